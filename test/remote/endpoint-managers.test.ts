import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    assertSoleEndpointManager,
    connectionsWithMptcp,
    findEndpointManagers,
    type ManagerProbe,
    parseManagerProbe,
    parseMptcpFlags,
    readManagersScript,
    SecondEndpointManagerError,
} from "../../remote/endpoint-managers";
import { scriptWithArguments } from "../../remote/shell";

/** What trixie's NetworkManager 1.52 reports on a bench host with two keyfile connections. */
const networkManagerOutput = [
    "unit.NetworkManager=active",
    "unit.mptcpd=inactive",
    "nm.connection=0x0\tloopback\tlo\tlo",
    "nm.connection=0x0\t802-3-ethernet\teth0\teth0",
    "nm.connection=0x0\t802-3-ethernet\twlan0\twlan0",
    "",
].join("\n");

const flags = test.macro((t, text: string, expected: number) => {
    t.is(parseMptcpFlags(text), expected);
});
test("nmcli's terse flags 0x1 parse as 1", flags, "0x1", 1);
test("flags with their names parse as the number before them", flags, "0x22 (enabled,subflow)", 0x22);
test("decimal flags from NetworkManager.conf parse as decimal", flags, "34", 34);
test("flags without a number parse as NaN", flags, "enabled", Number.NaN);

test("the probe's output is parsed into units, defaults and connections", (t) => {
    const probe = parseManagerProbe(`${networkManagerOutput}nm.default=0x1\n`);
    t.deepEqual(probe.units, { NetworkManager: "active", mptcpd: "inactive" });
    t.deepEqual(probe.networkManagerDefaults, [1]);
    t.deepEqual(probe.connections[1], { mptcpFlags: 0, type: "802-3-ethernet", device: "eth0", name: "eth0" });
});

test("a connection name with tabs and equals signs stays whole", (t) => {
    const probe = parseManagerProbe("nm.connection=0x0\t802-11-wireless\twlan0\tHome = Wi-Fi\tguest\n");
    t.is(probe.connections[0].name, "Home = Wi-Fi\tguest");
});

test("NetworkManager before 1.40 has no MPTCP handling to turn off", (t) => {
    const probe = parseManagerProbe("unit.NetworkManager=active\nnm.connection=unsupported\t802-3-ethernet\teth0\tWired connection 1\n");
    t.is(probe.connections[0].mptcpFlags, null);
    t.deepEqual(findEndpointManagers(probe), []);
});

test("a host without systemd reports both managers as unknown, and neither is found", (t) => {
    const probe = parseManagerProbe("");
    t.deepEqual(probe.units, { NetworkManager: "unknown", mptcpd: "unknown" });
    t.deepEqual(findEndpointManagers(probe), []);
});

const withConnections = (defaults: number[], ...connectionFlags: (number | null)[]): ManagerProbe => ({
    units: { NetworkManager: "active", mptcpd: "inactive" },
    networkManagerDefaults: defaults,
    connections: connectionFlags.map((mptcpFlags, index) => ({ mptcpFlags, type: "802-3-ethernet", device: `eth${index}`, name: `c${index}` })),
});

const handled = test.macro((t, probe: ManagerProbe, expected: string[]) => {
    t.deepEqual(
        connectionsWithMptcp(probe).map((connection) => connection.name),
        expected,
    );
});
test("default flags without a configured default leave MPTCP handling on", handled, withConnections([], 0), ["c0"]);
test("a configured default of disabled turns default connections off", handled, withConnections([0x1], 0, 0), []);
test("a connection's own flags win over the configured default", handled, withConnections([0x1], 0x22, 0), ["c0"]);
test("a connection with the disabled bit is off whatever else it says", handled, withConnections([], 0x1, 0x21), []);
test("flags that cannot be read count as on", handled, withConnections([], Number.NaN), ["c0"]);
test("loopback is never an MPTCP path", handled, { ...withConnections([]), connections: [{ mptcpFlags: 0, type: "loopback", device: "lo", name: "lo" }] }, []);

test("NetworkManager with MPTCP handling on is a second manager, with the connections and both fixes", (t) => {
    const managers = findEndpointManagers(parseManagerProbe(networkManagerOutput));
    t.deepEqual(managers.map((manager) => manager.name), ["NetworkManager"]);
    t.regex(managers[0].detail, /"eth0" \(eth0\), "wlan0" \(wlan0\)$/);
    t.regex(managers[0].fix, /connection\.mptcp-flags=0x1/);
    t.regex(managers[0].fix, /nmcli connection modify <conn> connection\.mptcp-flags disabled/);
});

test("an inactive NetworkManager is no manager, whatever its connections say", (t) => {
    t.deepEqual(findEndpointManagers(parseManagerProbe(networkManagerOutput.replace("unit.NetworkManager=active", "unit.NetworkManager=inactive"))), []);
});

test("an active mptcpd is a second manager", (t) => {
    const managers = findEndpointManagers(parseManagerProbe("unit.NetworkManager=inactive\nunit.mptcpd=active\n"));
    t.deepEqual(managers.map((manager) => [manager.name, manager.fix]), [["mptcpd", "systemctl disable --now mptcpd"]]);
});

test("the preflight's error has a code, the host, the step, a hint and the fix, all in one line", (t) => {
    const error = t.throws(() => assertSoleEndpointManager("client", parseManagerProbe(`${networkManagerOutput}`.replace("mptcpd=inactive", "mptcpd=active"))), {
        instanceOf: SecondEndpointManagerError,
    });
    t.is(error?.code, "second-endpoint-manager");
    t.is(error?.host, "client");
    t.is(error?.step, "check for a second endpoint manager");
    t.regex(error?.hint ?? "", /mptcp-lab up/);
    t.regex(error?.message ?? "", /^client: check for a second endpoint manager: NetworkManager and mptcpd also write this host's MPTCP endpoint table .*; to make them leave MPTCP alone: .*mptcpd: systemctl disable --now mptcpd/);
    t.false(error?.message.includes("\n"));
});

test("a host where NetworkManager leaves MPTCP alone passes the preflight", (t) => {
    t.notThrows(() => assertSoleEndpointManager("client", parseManagerProbe(`${networkManagerOutput}nm.default=0x1\n`)));
});

/** Runs the probe script with stand-ins for systemctl, NetworkManager and nmcli first on PATH. */
function runProbe(t: { teardown(fn: () => void): void }, stubs: Record<string, string>): string {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-managers-"));
    t.teardown(() => fs.rmSync(bin, { recursive: true, force: true }));
    for (const [name, body] of Object.entries(stubs)) fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    const script = scriptWithArguments(readManagersScript, []);
    return execFileSync("bash", ["-s"], { input: script, encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` } });
}

test("the probe script reports units, defaults and active connections as nmcli gives them", (t) => {
    const output = runProbe(t, {
        // systemctl is-active prints a line per unit, and fails when one is not active.
        systemctl: 'shift; status=0; for unit; do case $unit in NetworkManager.service) echo active ;; *) echo inactive; status=3 ;; esac; done; exit $status',
        NetworkManager: 'printf "[main]\\nplugins=keyfile\\n\\n[connection-mptcp-lab]\\nconnection.mptcp-flags=0x1\\n"',
        nmcli: [
            'if [ "$*" = "-g UUID,TYPE,DEVICE connection show --active" ]; then printf "u-1:loopback:lo\\nu-2:802-3-ethernet:eth0\\n"; exit 0; fi',
            'case "$2" in connection.mptcp-flags) [ "$5" = u-2 ] && echo 0x22 || echo 0x0 ;; connection.id) [ "$5" = u-2 ] && echo "Wired connection 1" || echo lo ;; esac',
        ].join("\n"),
    });
    const [, part] = output.split("--- endpoint managers\n");
    const probe = parseManagerProbe(part);
    t.deepEqual(probe, {
        units: { NetworkManager: "active", mptcpd: "inactive" },
        networkManagerDefaults: [1],
        connections: [
            { mptcpFlags: 0, type: "loopback", device: "lo", name: "lo" },
            { mptcpFlags: 0x22, type: "802-3-ethernet", device: "eth0", name: "Wired connection 1" },
        ],
    });
    t.deepEqual(findEndpointManagers(probe).map((manager) => manager.name), ["NetworkManager"]);
});

test("the probe script reports nothing of NetworkManager on a host without systemd or nmcli", (t) => {
    const output = runProbe(t, { systemctl: "exit 1" });
    t.is(output, "--- endpoint managers\nunit.NetworkManager=unknown\nunit.mptcpd=unknown\n");
});
