// The boot unit that `persist` installs: its commands, its text as systemd reads it, and the hash
// that stands for it in state. The emulated bench has no systemd; this machine's systemd-analyze
// checks the text instead.
import test from "ava";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { whenAvailable } from "../helpers/prerequisites";
import { bootCommands, bootUnitName, expectedBootUnit, noBootUnit, renderBootUnit, sha256Of } from "../../components/mptcp-boot-unit";
import type { Endpoint, Limits } from "../../mptcp/endpoints";

const wlan: Endpoint = { address: "198.18.0.173", device: "wlan0", flags: ["subflow"] };
const eth: Endpoint = { address: "198.18.0.133", device: "eth0", flags: ["subflow", "backup"], id: 7 };
const limits: Limits = { subflows: 2, addAddrAccepted: 0 };

const execStarts = (unit: string) => unit.split("\n").filter((line) => line.startsWith("ExecStart="));

test("the unit empties the table, adds the declared endpoints, then sets the limits", (t) => {
    t.deepEqual(bootCommands({ endpoints: [wlan, eth], limits }), [
        ["ip", "mptcp", "endpoint", "flush"],
        ["ip", "mptcp", "endpoint", "add", "198.18.0.173", "dev", "wlan0", "subflow"],
        ["ip", "mptcp", "endpoint", "add", "198.18.0.133", "dev", "eth0", "id", "7", "backup", "subflow"],
        ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "0"],
    ]);
});

test("every word of every ExecStart is quoted", (t) => {
    t.deepEqual(execStarts(renderBootUnit({ endpoints: [wlan], limits })), [
        "ExecStart='ip' 'mptcp' 'endpoint' 'flush'",
        "ExecStart='ip' 'mptcp' 'endpoint' 'add' '198.18.0.173' 'dev' 'wlan0' 'subflow'",
        "ExecStart='ip' 'mptcp' 'limits' 'set' 'subflows' '2' 'add_addr_accepted' '0'",
    ]);
});

test("the unit is a oneshot run once the network is online and enabled for the default target", (t) => {
    const unit = renderBootUnit({ endpoints: [wlan], limits });
    for (const line of ["Wants=network-online.target", "After=network-online.target", "Type=oneshot", "RemainAfterExit=yes", "WantedBy=multi-user.target"]) {
        t.true(unit.split("\n").includes(line), line);
    }
});

test("an endpoint value that is not an address never reaches the unit", (t) => {
    const error = t.throws(() => renderBootUnit({ endpoints: [{ ...wlan, address: "198.18.0.1; reboot" }], limits }));
    t.is((error as Error & { code?: string }).code, "unsafe-value");
});

test("without persist the host should have no unit", (t) => {
    t.deepEqual(expectedBootUnit({ endpoints: [wlan], limits, persist: false }), noBootUnit);
});

test("with persist the host should have the rendered unit, enabled", (t) => {
    t.deepEqual(expectedBootUnit({ endpoints: [wlan], limits, persist: true }), { sha256: sha256Of(renderBootUnit({ endpoints: [wlan], limits })), enabled: true });
});

test("the unit's hash follows the declared endpoints and limits", (t) => {
    const hashes = [
        expectedBootUnit({ endpoints: [wlan], limits, persist: true }).sha256,
        expectedBootUnit({ endpoints: [{ ...wlan, flags: ["backup"] }], limits, persist: true }).sha256,
        expectedBootUnit({ endpoints: [wlan], limits: { ...limits, subflows: 3 }, persist: true }).sha256,
    ];
    t.is(new Set(hashes).size, 3);
});

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
const verifyTest = whenAvailable(test, hasSystemdAnalyze ? [] : ["systemd-analyze (Debian package systemd)"], "the boot unit checked by systemd");

verifyTest("systemd accepts the unit and resolves its commands", (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-unit-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, bootUnitName);
    fs.writeFileSync(file, renderBootUnit({ endpoints: [wlan, eth], limits }));
    t.notThrows(() => execFileSync("systemd-analyze", ["verify", file], { stdio: "pipe" }));
    fs.writeFileSync(file, renderBootUnit({ endpoints: [wlan], limits }).replace("ExecStart='ip'", "ExecStart='no-such-ip'"));
    t.throws(() => execFileSync("systemd-analyze", ["verify", file], { stdio: "pipe" }), undefined, "a command systemd cannot find fails the check");
});
