// The boot-time unit that re-applies a host's MPTCP endpoints and limits, which the kernel forgets
// at reboot: its text (commands from the same planning code as `up`, every word quoted), the hash
// that stands for it in state, and the scripts that install, remove and read it on a host.
// Plain TypeScript: the drift report computes the expected hash with it too.
import { createHash } from "crypto";
import { commandsToScript, planEndpointCommands } from "../mptcp/endpoints";
import type { EndpointState } from "../mptcp/endpoints";

export const bootUnitName = "mptcp-lab-endpoints.service";
export const bootUnitPath = `/etc/systemd/system/${bootUnitName}`;
/** What `systemctl enable` creates for `WantedBy=multi-user.target`; made by hand, so it works without a running systemd. */
export const bootUnitWantsLink = `/etc/systemd/system/multi-user.target.wants/${bootUnitName}`;

type DesiredState = Pick<EndpointState, "endpoints" | "limits">;

/** What the host has: the unit file's sha256 ("" when there is none) and whether it is enabled. */
export interface BootUnitState {
    sha256: string;
    enabled: boolean;
}

export const noBootUnit: BootUnitState = { sha256: "", enabled: false };

/**
 * The unit's commands: empty the table (NetworkManager may have added endpoints of its own by
 * then), add the declared endpoints, set the limits. The limits are planned against unknown
 * values (-1), so they are set even when they equal the kernel's defaults.
 */
export function bootCommands(desired: DesiredState): string[][] {
    const afterFlush = { endpoints: [], ids: {}, unmanagedFlags: {}, limits: { subflows: -1, addAddrAccepted: -1 } };
    return [["ip", "mptcp", "endpoint", "flush"], ...planEndpointCommands(afterFlush, desired)];
}

/** The unit file. One `ExecStart=` per command; a oneshot runs them in order and stops at a failure. */
export function renderBootUnit(desired: DesiredState): string {
    const execStarts = commandsToScript(bootCommands(desired))
        .trimEnd()
        .split("\n")
        .map((command) => `ExecStart=${command}`);
    return [
        "# Managed by mptcp-lab: re-applies the MPTCP endpoints and limits, which the kernel forgets at reboot.",
        "[Unit]",
        "Description=mptcp-lab MPTCP endpoints and limits",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        ...execStarts,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

export function sha256Of(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

/** The unit the host should have: the rendered one, enabled, when `persist` is set; none otherwise. */
export function expectedBootUnit(desired: DesiredState & { persist: boolean }): BootUnitState {
    return desired.persist ? { sha256: sha256Of(renderBootUnit(desired)), enabled: true } : noBootUnit;
}

export function sameBootUnit(a: BootUnitState, b: BootUnitState): boolean {
    return a.sha256 === b.sha256 && a.enabled === b.enabled;
}

/** Prints `unit_sha256=` and `unit_enabled=`; $1 is the unit, $2 its wants link. */
export const readBootUnitScript = [
    'if [ -f "$1" ]; then echo "unit_sha256=$(sha256sum < "$1" | cut -d " " -f 1)"; else echo "unit_sha256="; fi',
    'if [ -e "$2" ]; then echo "unit_enabled=yes"; else echo "unit_enabled=no"; fi',
    "",
].join("\n");

export function parseBootUnitState(values: Record<string, string>): BootUnitState {
    return { sha256: values.unit_sha256 ?? "", enabled: values.unit_enabled === "yes" };
}

/** $1 the unit, $2 its wants link, $3 its content. systemd reloads only where it runs (not on the emulated bench). */
export const installBootUnitScript = [
    'mkdir -p "$(dirname "$2")"',
    'printf "%s" "$3" > "$1.new"',
    'mv "$1.new" "$1"',
    'ln -sfn "$1" "$2"',
    "if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi",
    "",
].join("\n");

/** $1 the unit, $2 its wants link. */
export const removeBootUnitScript = ['rm -f "$2" "$1"', "if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi", ""].join("\n");
