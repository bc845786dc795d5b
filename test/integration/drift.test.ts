// Drift on a real emulated bench through the real engine: each change a person (or a reboot) can
// make to a host's MPTCP configuration is reported exactly by `mptcp-lab drift`, which exits 2 and
// writes nothing; `up` puts the host back without re-running the failover test; an unreachable
// host is an error, not drift; `persist` brings the endpoints back after a reboot.
import test, { type ExecutionContext } from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import type { Stack } from "@pulumi/pulumi/automation";
import { EXIT_DRIFT, EXIT_FAILURE, EXIT_OK } from "../../cli/command";
import type { DriftReport, FieldDrift } from "../../cli/drift-report";
import { main } from "../../cli/main";
import { hintFor } from "../../errors";
import { bootUnitName, bootUnitPath, renderBootUnit, sha256Of } from "../../components/mptcp-boot-unit";
import type { EndpointState } from "../../mptcp/endpoints";
import { pulumiRoot } from "../../toolchain";
import { benchHook, benchTest } from "../bench/helpers/harness";
import { rebootEmulatedHost, repairBench, runInHost, stopSshd } from "./emulated-host";
import { createTestStack, inHost, type TestLabOptions, testLab, type TestStack, writeStackFile } from "./lab-harness";

const lab: TestLabOptions = { name: "t-drift", index: 6 };
type HostName = "client" | "server";
/** What the test lab declares (the harness's defaults). */
const declared: Record<HostName, Pick<EndpointState, "endpoints" | "limits">> = {
    client: { endpoints: [{ address: "198.18.6.173", device: "wlan0", flags: ["subflow"] }], limits: { subflows: 2, addAddrAccepted: 2 } },
    server: { endpoints: [{ address: "198.18.6.237", device: "wlan0", flags: ["signal"] }], limits: { subflows: 2, addAddrAccepted: 2 } },
};

let testStack: TestStack | undefined;
let stack: Stack;
let failoverRunId: string;

test.before(
    benchHook(async () => {
        pulumiRoot(); // fails at once, with its hint, when the toolchain was never bootstrapped
        testStack = await createTestStack(lab);
        stack = testStack.stack;
        failoverRunId = runIdOf(await stack.up());
    }),
);

test.after.always(
    benchHook(async () => {
        await testStack?.cleanup();
    }),
);

const runIdOf = (result: { outputs: Record<string, { value: unknown }> }) => (result.outputs.failover.value as { runId: string }).runId;

/** `mptcp-lab drift --stack t-drift` with its exit code, JSON report and text. */
async function drift(format: "json" | "text" = "json"): Promise<{ code: number; report?: DriftReport; text: string }> {
    const stdout = new PassThrough();
    let text = "";
    stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const argv = ["drift", "--stack", lab.name, ...(format === "json" ? ["--json"] : [])];
    const code = await main(argv, { stdout, stderr: new PassThrough(), environment: {} });
    return { code, report: format === "json" ? (JSON.parse(text) as DriftReport) : undefined, text };
}

/** Every field that drifted, with its host. */
const driftedFields = (report: DriftReport) => report.stacks[0].hosts.flatMap((host) => host.drift.map((item) => ({ host: host.host, ...item })));

async function endpointTable(host: HostName) {
    const raw = JSON.parse(await inHost(lab.name, host, ["ip", "-j", "mptcp", "endpoint", "show"])) as Record<string, unknown>[];
    const endpoints = raw.map((entry) => ({ address: entry.address, device: entry.dev, flags: ["backup", "fullmesh", "signal", "subflow"].filter((flag) => entry[flag] === true) }));
    const limits = /add_addr_accepted (\d+) subflows (\d+)/.exec(await inHost(lab.name, host, ["ip", "mptcp", "limits", "show"]))!;
    return { endpoints, limits: { subflows: Number(limits[2]), addAddrAccepted: Number(limits[1]) } };
}

const endpointIdOf = async (host: HostName, address: string) =>
    (JSON.parse(await inHost(lab.name, host, ["ip", "-j", "mptcp", "endpoint", "show"])) as { address: string; id: number }[]).find((entry) => entry.address === address)!.id;

/** `up` as `mptcp-lab up` runs it (refresh first); the hosts match the stack again and the failover test did not re-run. */
async function repairAndCheck(t: ExecutionContext) {
    const result = await stack.up({ refresh: true });
    t.is(runIdOf(result), failoverRunId, "the failover test was not re-run");
    for (const host of ["client", "server"] as const) t.deepEqual(await endpointTable(host), declared[host], `${host}'s endpoints and limits are back`);
    const after = await drift();
    t.is(after.code, EXIT_OK, "the next check is clean");
    t.is(after.report?.status, "clean");
}

/** Changes a host, then expects exactly `expected` to be reported with exit code 2, and `up` to repair it. */
function driftTest(title: string, change: () => Promise<unknown>, expected: (FieldDrift & { host: string })[]): void {
    benchTest(title, async (t) => {
        await change();
        const found = await drift();
        t.is(found.code, EXIT_DRIFT);
        t.is(found.report?.stacks[0].status, "drift");
        t.deepEqual(driftedFields(found.report!), expected);
        t.false(found.report!.stacks[0].hosts.some((host) => host.rebooted), "a hand edit is not a reboot");
        await repairAndCheck(t);
    });
}

const ipIn = (host: HostName, ...argv: string[]) => inHost(lab.name, host, ["ip", "mptcp", ...argv]);

benchTest("a bench just brought up has no drift and the check exits 0", async (t) => {
    const { code, report } = await drift();
    t.is(code, EXIT_OK);
    t.deepEqual(
        report?.stacks[0].hosts.map((host) => [host.host, host.rebooted, host.drift.length]),
        [
            ["client", false, 0],
            ["server", false, 0],
        ],
    );
});

benchTest("the check leaves the stack's state exactly as it was, drift or not", async (t) => {
    const before = await stack.exportStack();
    await ipIn("client", "limits", "set", "subflows", "3", "add_addr_accepted", "2");
    t.is((await drift()).code, EXIT_DRIFT);
    t.deepEqual(await stack.exportStack(), before);
    await repairAndCheck(t);
});

driftTest("a deleted endpoint is reported as absent", async () => ipIn("client", "endpoint", "delete", "id", String(await endpointIdOf("client", "198.18.6.173"))), [
    { host: "client", resource: "MptcpEndpointState", field: "endpoints[198.18.6.173]", expected: "198.18.6.173 dev wlan0 subflow", actual: "absent" },
]);

driftTest(
    "an endpoint changed from subflow to backup is reported as a change of flags",
    async () => {
        await ipIn("client", "endpoint", "delete", "id", String(await endpointIdOf("client", "198.18.6.173")));
        await ipIn("client", "endpoint", "add", "198.18.6.173", "dev", "wlan0", "backup");
    },
    [{ host: "client", resource: "MptcpEndpointState", field: "endpoints[198.18.6.173].flags", expected: "subflow", actual: "backup" }],
);

driftTest(
    "an endpoint moved to another device is reported as a change of device",
    async () => {
        await ipIn("server", "endpoint", "delete", "id", String(await endpointIdOf("server", "198.18.6.237")));
        await ipIn("server", "endpoint", "add", "198.18.6.237", "dev", "eth0", "signal");
    },
    [{ host: "server", resource: "MptcpEndpointState", field: "endpoints[198.18.6.237].device", expected: "wlan0", actual: "eth0" }],
);

driftTest("changed limits are reported limit by limit", () => ipIn("server", "limits", "set", "subflows", "1", "add_addr_accepted", "0"), [
    { host: "server", resource: "MptcpEndpointState", field: "limits.subflows", expected: "2", actual: "1" },
    { host: "server", resource: "MptcpEndpointState", field: "limits.addAddrAccepted", expected: "2", actual: "0" },
]);

driftTest("MPTCP switched off is reported as net.mptcp.enabled 0", () => inHost(lab.name, "server", ["sysctl", "-qw", "net.mptcp.enabled=0"]), [
    { host: "server", resource: "HostState", field: "net.mptcp.enabled", expected: "1", actual: "0" },
]);

benchTest("a reboot that flushed everything is reported as endpoints lost at the reboot", async (t) => {
    const bootId = await rebootEmulatedHost(lab.name, "client");
    const found = await drift();
    t.is(found.code, EXIT_DRIFT);
    t.deepEqual(driftedFields(found.report!), [
        { host: "client", resource: "MptcpEndpointState", field: "endpoints[198.18.6.173]", expected: "198.18.6.173 dev wlan0 subflow", actual: "absent" },
        { host: "client", resource: "MptcpEndpointState", field: "limits.addAddrAccepted", expected: "2", actual: "0" },
    ]);
    const [client, server] = found.report!.stacks[0].hosts;
    t.true(client.rebooted);
    t.is(client.bootId?.now, bootId);
    t.false(server.rebooted);
    t.regex((await drift("text")).text, /note: client rebooted since the last up \(boot id \w+ -> \w+\): its endpoints and limits were lost at the reboot/);
    await repairAndCheck(t);
    t.false((await drift()).report!.stacks[0].hosts[0].rebooted, "up recorded the new boot id");
});

benchTest("the HostState settings come back at a real reboot through /etc/sysctl.d", async (t) => {
    await inHost(lab.name, "server", ["sysctl", "-qw", "net.mptcp.enabled=0", "net.ipv4.conf.all.rp_filter=0"]);
    await rebootEmulatedHost(lab.name, "server");
    await runInHost(lab.name, "server", "systemctl is-system-running --wait >/dev/null || true");
    // A new namespace's rp_filter is 0: 2 comes from the sysctl.d file that up wrote.
    t.is((await inHost(lab.name, "server", ["sysctl", "-n", "net.mptcp.enabled", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.all.arp_announce"])).trim(), "1\n2\n2");
    const found = await drift();
    t.is(found.code, EXIT_DRIFT, "the endpoints were lost at the reboot");
    t.true(found.report!.stacks[0].hosts.find((host) => host.host === "server")?.rebooted);
    t.deepEqual(driftedFields(found.report!).filter((item) => item.resource === "HostState"), [], "no HostState drift");
    await repairAndCheck(t);
});

benchTest("an unreachable host makes the check fail with exit 1, not report drift", async (t) => {
    await stopSshd(lab.name, "client");
    try {
        const { code, report } = await drift();
        t.is(code, EXIT_FAILURE);
        t.is(report?.status, "error");
        // Known by the provider's code (errors/engine-text.ts), carried through the engine's text.
        t.like(report?.stacks[0], { status: "error", error: { code: "host-unreachable", reason: "ssh-connect", host: "client" }, hosts: [] });
        // The host's two reads run as one step (remote/joined-steps.ts), which names both.
        t.is(report!.stacks[0].error!.step, "read host facts, read MPTCP endpoints");
        t.regex(report!.stacks[0].error!.message, /client: .*cannot connect to pi@198\.19\.6\.10:22/);
        const text = (await drift("text")).text.split("\n");
        t.true(text[0].startsWith(`${lab.name}: error host-unreachable: client: `), text[0]);
        t.is(text[1], `  hint: ${hintFor("host-unreachable", { stack: lab.name })}`);
    } finally {
        await repairBench(lab.name);
    }
    t.is((await drift()).code, EXIT_OK);
});

/** The unit on the host and this machine's verdict on it (systemd-analyze verify). */
async function installedUnit(t: ExecutionContext): Promise<string> {
    const unit = await runInHost(lab.name, "client", 'cat "$1"', [bootUnitPath]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-unit-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, bootUnitName), unit);
    t.notThrows(() => execFileSync("systemd-analyze", ["verify", path.join(dir, bootUnitName)], { stdio: "pipe" }), "systemd accepts the unit");
    return unit;
}

benchTest("persist installs a boot unit that systemd runs at a real reboot, restoring endpoints and limits with no up, and the unit's own drift is seen", async (t) => {
    writeStackFile(lab.name, testLab({ ...lab, hosts: { client: { persist: true } } }));
    try {
        t.is(runIdOf(await stack.up({ refresh: true })), failoverRunId, "installing the unit does not re-run the failover test");
        const unit = await installedUnit(t);
        t.is(unit, renderBootUnit(declared.client));
        t.is((await drift()).code, EXIT_OK);

        // A real reboot: systemd runs the unit at boot, and nothing else restores the table.
        const bootId = await rebootEmulatedHost(lab.name, "client");
        await runInHost(lab.name, "client", "systemctl is-system-running --wait >/dev/null || true");
        t.is((await runInHost(lab.name, "client", 'systemctl show --property=Result --value "$1"', [bootUnitName])).trim(), "success");
        t.deepEqual(await endpointTable("client"), declared.client, "the unit restored the endpoints and limits, with no up");
        const afterBoot = await drift();
        t.is(afterBoot.code, EXIT_OK, "a reboot no longer causes drift");
        t.like(afterBoot.report?.stacks[0].hosts[0], { host: "client", rebooted: true, bootId: { now: bootId }, drift: [] });

        const extraLine = "ExecStart=ip mptcp endpoint flush\n";
        await runInHost(lab.name, "client", 'printf "%s" "$2" >> "$1"', [bootUnitPath, extraLine]);
        const edited = await drift();
        t.is(edited.code, EXIT_DRIFT);
        const short = (text: string) => `sha256:${sha256Of(text).slice(0, 12)}`;
        t.deepEqual(driftedFields(edited.report!), [{ host: "client", resource: "MptcpEndpointState", field: "bootUnit", expected: short(unit), actual: short(unit + extraLine) }]);
        await repairAndCheck(t);
        t.is(await runInHost(lab.name, "client", 'cat "$1"', [bootUnitPath]), unit, "up rewrote the unit");
    } finally {
        writeStackFile(lab.name, testLab(lab));
    }
    await repairAndCheck(t);
    t.is(await runInHost(lab.name, "client", 'if [ -e "$1" ]; then echo present; else echo absent; fi', [bootUnitPath]), "absent\n", "without persist the unit is removed");
});
