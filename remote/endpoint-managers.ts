// The preflight before mptcp-lab reads or writes a host's MPTCP endpoint table: is another program
// writing the same table? NetworkManager (Raspberry Pi OS's network manager, 1.40 and later) adds
// `subflow` endpoints for the addresses of the connections it activates unless their
// `connection.mptcp-flags` (or the default in NetworkManager.conf) say `disabled` (0x1); mptcpd
// manages endpoints whenever it runs. Either would undo what mptcp-lab sets, and drift would never
// end: the preflight names the manager and the way to make it leave MPTCP alone instead.
import { CodedError } from "../errors/coded-error";

/** What the step that reads the endpoints calls this check in its messages. */
export const managerCheckStep = "check for a second endpoint manager";

/** NetworkManager's `connection.mptcp-flags` bit that turns its MPTCP handling off (libnm's NM_MPTCP_FLAGS_DISABLED). */
export const MPTCP_FLAGS_DISABLED = 0x1;

/** Where the fix puts NetworkManager's default for every connection. */
export const networkManagerDropIn = "/etc/NetworkManager/conf.d/90-mptcp-lab-no-mptcp.conf";

/**
 * Prints, after a separator, `unit.<name>=<systemctl is-active>` for NetworkManager and mptcpd and,
 * while NetworkManager runs, every `connection.mptcp-flags` default of its configuration
 * (`nm.default=`) and one `nm.connection=<flags>\t<type>\t<device>\t<name>` line per active
 * connection. Never fails: a host without systemd or nmcli reports less.
 */
export const readManagersScript = [
    "echo '--- endpoint managers'",
    // One systemctl for both units (a line each, in order): every call is a round trip to PID 1.
    "states=$(systemctl is-active NetworkManager.service mptcpd.service 2>/dev/null) || true",
    '{ read -r network_manager || true; read -r mptcpd || true; } <<<"$states"',
    'echo "unit.NetworkManager=${network_manager:-unknown}"',
    'echo "unit.mptcpd=${mptcpd:-unknown}"',
    'if [ "$network_manager" = active ] && command -v nmcli >/dev/null 2>&1; then',
    "    config=$(NetworkManager --print-config 2>/dev/null) || true",
    "    while IFS= read -r line; do",
    '        case $line in connection.mptcp-flags=*) echo "nm.default=${line#*=}" ;; esac',
    '    done <<<"$config"',
    // UUIDs and device names hold no colon, so the terse list splits safely; the name comes last.
    "    active=$(nmcli -g UUID,TYPE,DEVICE connection show --active 2>/dev/null) || true",
    "    while IFS=: read -r uuid type device; do",
    '        [ -n "$uuid" ] || continue',
    // NetworkManager before 1.40 has no such property, and no MPTCP handling either.
    '        flags=$(nmcli -g connection.mptcp-flags connection show "$uuid" 2>/dev/null) || flags=unsupported',
    '        name=$(nmcli -g connection.id connection show "$uuid" 2>/dev/null) || name=$uuid',
    "        printf 'nm.connection=%s\\t%s\\t%s\\t%s\\n' \"$flags\" \"$type\" \"$device\" \"${name//$'\\n'/ }\"",
    '    done <<<"$active"',
    "fi",
    "",
].join("\n");

export interface NetworkManagerConnection {
    /** `connection.mptcp-flags` as a number; null when nmcli has no such property (NetworkManager before 1.40). */
    readonly mptcpFlags: number | null;
    readonly type: string;
    readonly device: string;
    readonly name: string;
}

export interface ManagerProbe {
    /** `systemctl is-active` of each unit: `active`, `inactive`, `unknown` (no systemd, no unit) ... */
    readonly units: Readonly<Record<"NetworkManager" | "mptcpd", string>>;
    /** `connection.mptcp-flags` defaults found in NetworkManager's configuration. */
    readonly networkManagerDefaults: readonly number[];
    readonly connections: readonly NetworkManagerConnection[];
}

/** `0x22`, `0x1 (disabled)`, `34`: the number at the start; NaN when there is none. */
export function parseMptcpFlags(text: string): number {
    const match = /^\s*(0x[0-9a-f]+|[0-9]+)\b/i.exec(text);
    return match ? Number(match[1]) : Number.NaN;
}

/** Parses `readManagersScript`'s output (what follows its separator). */
export function parseManagerProbe(output: string): ManagerProbe {
    const units: Record<"NetworkManager" | "mptcpd", string> = { NetworkManager: "unknown", mptcpd: "unknown" };
    const networkManagerDefaults: number[] = [];
    const connections: NetworkManagerConnection[] = [];
    for (const line of output.split("\n")) {
        const separator = line.indexOf("=");
        if (separator < 0) continue;
        const [key, value] = [line.slice(0, separator), line.slice(separator + 1)];
        if (key === "unit.NetworkManager" || key === "unit.mptcpd") units[key.slice("unit.".length) as keyof typeof units] = value.trim() || "unknown";
        else if (key === "nm.default") networkManagerDefaults.push(parseMptcpFlags(value));
        else if (key === "nm.connection") {
            const [flags = "", type = "", device = "", ...name] = value.split("\t");
            connections.push({ mptcpFlags: flags.trim() === "unsupported" ? null : parseMptcpFlags(flags), type: type.trim(), device: device.trim(), name: name.join("\t").trim() });
        }
    }
    return { units, networkManagerDefaults, connections };
}

export interface EndpointManager {
    readonly name: "NetworkManager" | "mptcpd";
    /** What it does here, e.g. `active connections with MPTCP handling on: eth0 (eth0)`. */
    readonly detail: string;
    /** How to make it leave MPTCP alone. */
    readonly fix: string;
}

const disabled = (flags: number) => Number.isInteger(flags) && (flags & MPTCP_FLAGS_DISABLED) !== 0;

/**
 * The connections whose MPTCP handling is on: their own flags decide unless they are 0 (the
 * default), then a default from NetworkManager.conf does (any that says disabled counts: the
 * preflight does not evaluate `match-device`), and without one NetworkManager's own default is
 * `enabled,subflow`. Flags that cannot be read count as on; loopback is never an MPTCP path.
 */
export function connectionsWithMptcp(probe: ManagerProbe): NetworkManagerConnection[] {
    const defaultDisabled = probe.networkManagerDefaults.some(disabled);
    return probe.connections.filter((connection) => {
        if (connection.type === "loopback" || connection.mptcpFlags === null) return false;
        if (connection.mptcpFlags === 0) return !defaultDisabled;
        return !disabled(connection.mptcpFlags);
    });
}

/** Every program besides mptcp-lab that writes the host's endpoint table. */
export function findEndpointManagers(probe: ManagerProbe): EndpointManager[] {
    const managers: EndpointManager[] = [];
    const withMptcp = connectionsWithMptcp(probe);
    if (probe.units.NetworkManager === "active" && withMptcp.length > 0) {
        const listed = withMptcp.map((connection) => `"${connection.name}" (${connection.device || "no device"})`).join(", ");
        managers.push({
            name: "NetworkManager",
            detail: `NetworkManager adds its own endpoints for active connections with MPTCP handling on: ${listed}`,
            fix:
                `for every connection write ${networkManagerDropIn} with "[connection]" and "connection.mptcp-flags=0x1" (disabled), then ` +
                "systemctl reload NetworkManager and nmcli connection up <conn> for each (it then withdraws the endpoints it added); " +
                "or per connection: nmcli connection modify <conn> connection.mptcp-flags disabled, then nmcli connection up <conn>",
        });
    }
    if (probe.units.mptcpd === "active") {
        managers.push({ name: "mptcpd", detail: "mptcpd is active and manages endpoints", fix: "systemctl disable --now mptcpd" });
    }
    return managers;
}

/** A host whose endpoint table another program writes too: `up` and `drift` stop there. */
export class SecondEndpointManagerError extends CodedError<"second-endpoint-manager"> {
    constructor(
        host: string,
        readonly managers: readonly EndpointManager[],
    ) {
        const names = managers.map((manager) => manager.name).join(" and ");
        const fixes = managers.map((manager) => `${manager.name}: ${manager.fix}`).join("; ");
        super(
            "second-endpoint-manager",
            `${host}: ${managerCheckStep}: ${names} also ${managers.length > 1 ? "write" : "writes"} this host's MPTCP endpoint table (${managers.map((manager) => manager.detail).join("; ")}); to make ${managers.length > 1 ? "them" : "it"} leave MPTCP alone: ${fixes}`,
            { host, step: managerCheckStep },
        );
        this.name = "SecondEndpointManagerError";
    }
}

/** Throws SecondEndpointManagerError when another program writes the endpoint table. */
export function assertSoleEndpointManager(host: string, probe: ManagerProbe): void {
    const managers = findEndpointManagers(probe);
    if (managers.length > 0) throw new SecondEndpointManagerError(host, managers);
}
