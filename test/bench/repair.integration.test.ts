// A half-broken bench is repaired by `up`, which re-creates only what is missing.

import test from "ava";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type BenchStatus, benchDown, benchStatus, benchUp, checkBenchPrerequisites, defaultBenchPlan } from "../../bench";
import { run } from "../../bench/exec";
import { machineInit, runInMachine } from "../../bench/host";
import { isRunning } from "../../bench/processes";
import { readRuntimeState } from "../../bench/state";
import { benchHook, benchTest } from "./helpers/harness";
import { hostOf, sshOk } from "./helpers/ssh";

const BENCH = "t-repair";
const INDEX = 9;
let status: BenchStatus;

function runtime() {
    const state = readRuntimeState(BENCH);
    if (!state) throw new Error(`bench ${BENCH} has no runtime state`);
    return state;
}

async function inMachine(namespace: string, command: readonly string[]): Promise<void> {
    const init = machineInit(namespace);
    if (!init) throw new Error(`no machine runs in ${namespace}`);
    const result = await runInMachine(init, command);
    if (!result.ok) throw new Error(`${command.join(" ")} failed in ${namespace}: ${result.stderr}`);
}

function problemsOf(current: BenchStatus): string[] {
    return [...current.problems, ...current.hosts.flatMap((host) => host.problems.map((problem) => `${host.name}: ${problem}`))];
}

test.before(benchHook(async () => {
    await checkBenchPrerequisites();
    await benchDown(BENCH, { purge: true });
    status = await benchUp(defaultBenchPlan(BENCH, INDEX));
}));

test.after.always(benchHook(async () => {
    await benchDown(BENCH, { purge: true });
}));

benchTest("up starts ssh.service again on a host where it was stopped, and reboots nothing", async (t) => {
    const before = runtime();
    const booted = (await benchStatus(BENCH)).hosts.map((host) => host.bootedAt);
    await inMachine(before.names.hostNamespaces.client, ["systemctl", "stop", "ssh.service"]);
    const broken = await benchStatus(BENCH);
    t.is(broken.state, "degraded");
    t.deepEqual(problemsOf(broken), ["client: sshd does not answer on 198.19.9.10:22"]);
    const repaired = await benchUp(defaultBenchPlan(BENCH, INDEX));
    t.is(repaired.state, "running");
    t.deepEqual(runtime().hosts, before.hosts);
    t.deepEqual(repaired.hosts.map((host) => host.bootedAt), booted);
    t.is((await sshOk(status, "client", "systemctl is-active ssh.service")).trim(), "active");
});

benchTest("up restarts a dead package proxy and re-creates a deleted interface", async (t) => {
    const before = runtime();
    if (!before.aptProxy) throw new Error("no apt proxy recorded");
    process.kill(before.aptProxy.pid, "SIGKILL");
    await run("ip", ["-n", before.names.hostNamespaces.server, "link", "del", "wlan0"]);
    const broken = await benchStatus(BENCH);
    t.is(broken.state, "degraded");
    t.true(problemsOf(broken).includes("server: wlan0 is missing"));
    t.true(problemsOf(broken).some((problem) => problem.startsWith("apt-cacher-ng is not serving")));
    t.is((await benchUp(defaultBenchPlan(BENCH, INDEX))).state, "running");
    const after = runtime();
    t.true(isRunning(after.aptProxy));
    t.notDeepEqual(after.aptProxy, before.aptProxy);
    t.deepEqual(after.hosts.server, before.hosts.server);
    t.regex(await sshOk(status, "server", "ip -4 -br address show dev wlan0"), /198\.18\.9\.237\/24/);
    await sshOk(status, "client", "ping -c 1 -W 2 198.18.9.237");
});

benchTest("up starts a host anew when its network namespace was deleted", async (t) => {
    const before = runtime();
    await run("ip", ["netns", "del", before.names.hostNamespaces.client]);
    const broken = await benchStatus(BENCH);
    t.is(broken.state, "degraded");
    t.true(hostOf(broken, "client").problems.includes(`network namespace ${before.names.hostNamespaces.client} is missing`));
    t.is((await benchUp(defaultBenchPlan(BENCH, INDEX))).state, "running");
    const after = runtime();
    t.false(isRunning(before.hosts.client.supervisor));
    t.notDeepEqual(after.hosts.client.supervisor, before.hosts.client.supervisor);
    t.is((await sshOk(status, "client", "hostname")).trim(), "client");
    // The re-created links keep their MACs, so the other host's neighbour cache stays right.
    await sshOk(status, "server", "ping -c 1 -W 2 198.18.9.133 && ping -c 1 -W 2 -I wlan0 198.18.9.173");
});

benchTest("up boots a host anew when its supervisor was killed, keeping what was written to its disk", async (t) => {
    await sshOk(status, "server", "echo kept > /root/marker");
    const before = runtime();
    const supervisor = before.hosts.server.supervisor;
    if (!supervisor) throw new Error("no supervisor recorded");
    process.kill(supervisor.pid, "SIGKILL");
    t.true(hostOf(await benchStatus(BENCH), "server").problems.includes("the host's supervisor is not running"));
    t.is((await benchUp(defaultBenchPlan(BENCH, INDEX))).state, "running");
    t.notDeepEqual(runtime().hosts.server.supervisor, supervisor);
    t.is((await sshOk(status, "server", "cat /root/marker")).trim(), "kept");
});

benchTest("a host whose systemd was killed stays down until up boots it", async (t) => {
    const namespace = runtime().names.hostNamespaces.server;
    const init = machineInit(namespace);
    if (!init) throw new Error("no machine runs on server");
    process.kill(init.pid, "SIGKILL"); // not a reboot: systemd-nspawn ends, and the supervisor with it
    const problems = async () => hostOf(await benchStatus(BENCH), "server").problems;
    let seen = await problems();
    for (let attempt = 0; attempt < 50 && !seen.includes("the host's supervisor is not running"); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        seen = await problems();
    }
    t.true(seen.includes("the host's supervisor is not running"), seen.join("; "));
    t.is((await benchUp(defaultBenchPlan(BENCH, INDEX))).state, "running");
    t.is((await sshOk(status, "server", "ps -p 1 -o comm=")).trim(), "systemd");
});

benchTest("a symlink a host planted where the bench writes its files is replaced, never followed", async (t) => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "mlab-outside-"));
    t.teardown(() => fs.rmSync(outside, { recursive: true, force: true }));
    await sshOk(status, "client", `rm -rf /root/.ssh && ln -s ${outside} /root/.ssh`);
    const supervisor = runtime().hosts.client.supervisor;
    if (!supervisor) throw new Error("no supervisor recorded");
    process.kill(supervisor.pid, "SIGKILL");
    t.is((await benchUp(defaultBenchPlan(BENCH, INDEX))).state, "running");
    t.deepEqual(fs.readdirSync(outside), []);
    t.is((await sshOk(status, "client", "stat -c %F /root/.ssh")).trim(), "directory");
});
