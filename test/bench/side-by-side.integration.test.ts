// Two benches side by side: distinct names and subnets, no shared kernel object; the second one
// uses a shared bottleneck and loss. Taking one down leaves the other untouched.

import test from "ava";
import { type BenchPlan, type BenchStatus, benchDown, benchStatus, benchUp, checkBenchPrerequisites, defaultBenchPlan } from "../../bench";
import { run } from "../../bench/exec";
import { managementBridge } from "../../bench/naming";
import { readRuntimeState } from "../../bench/state";
import { benchHook, benchTest, findLeftovers } from "./helpers/harness";
import { sshOk } from "./helpers/ssh";

const FIRST = "t-bench";
const SECOND = "t-bench2";
let first: BenchStatus;
let second: BenchStatus;

function secondPlan(): BenchPlan {
    const plan = defaultBenchPlan(SECOND, 8);
    plan.sharedBottleneckMbit = 150;
    plan.shaping.wlan0 = { ...plan.shaping.wlan0, lossPercent: 1 };
    return plan;
}

test.before(benchHook(async () => {
    await checkBenchPrerequisites();
    await Promise.all([benchDown(FIRST, { purge: true }), benchDown(SECOND, { purge: true })]);
}));

test.after.always(benchHook(async () => {
    await benchDown(SECOND, { purge: true });
    await benchDown(FIRST, { purge: true });
}));

benchTest("two benches with distinct names and subnets run side by side", async (t) => {
    first = await benchUp(defaultBenchPlan(FIRST, 7));
    second = await benchUp(secondPlan());
    t.is((await benchStatus(FIRST)).state, "running");
    t.is(second.state, "running");
    t.not(managementBridge(FIRST), managementBridge(SECOND));
    t.deepEqual(
        second.hosts.map((host) => host.namespace),
        ["mlab-t-bench2-client", "mlab-t-bench2-server"],
    );
    t.is((await sshOk(first, "client", "hostname")).trim(), "client");
    t.is((await sshOk(second, "client", "hostname")).trim(), "client");
    t.not(first.hosts[0].hostKey, second.hosts[0].hostKey);
});

benchTest("a bench on subnets already in use is refused with BENCH_CONFLICT", async (t) => {
    const error = await t.throwsAsync(benchUp(defaultBenchPlan("t-bench3", 7)));
    t.is((error as { code?: string }).code, "BENCH_CONFLICT");
    t.is(readRuntimeState("t-bench3"), undefined);
});

benchTest("a shared bottleneck joins two bridges through one shaped inner link", async (t) => {
    const switchNamespace = readRuntimeState(SECOND)?.names.switchNamespace ?? "";
    const links = (await run("ip", ["-n", switchNamespace, "-o", "link", "show"])).stdout;
    t.regex(links, /inner-a@inner-b:.* master lan-a /);
    t.regex(links, /inner-b@inner-a:.* master lan-b /);
    for (const end of ["inner-a", "inner-b"]) {
        t.regex((await run("tc", ["-n", switchNamespace, "class", "show", "dev", end])).stdout, /rate 150Mbit ceil 150Mbit/);
    }
    // The ports themselves carry no rate of their own.
    t.notRegex((await run("tc", ["-n", switchNamespace, "qdisc", "show", "dev", "h0-eth0"])).stdout, /htb/);
    await sshOk(second, "client", "ping -c 1 -W 2 198.18.8.218");
});

benchTest("loss is applied in both directions of the lossy ports only", async (t) => {
    const switchNamespace = readRuntimeState(SECOND)?.names.switchNamespace ?? "";
    const table = (await run("ip", ["netns", "exec", switchNamespace, "nft", "list", "table", "bridge", "mptcp_lab_loss"])).stdout;
    for (const port of ["h0-wlan0", "h1-wlan0"]) {
        t.regex(table, new RegExp(`iifname "${port}" numgen random mod 1000000 < 10000 drop`));
        t.regex(table, new RegExp(`oifname "${port}" numgen random mod 1000000 < 10000 drop`));
    }
    t.notRegex(table, /eth0/);
    const firstSwitch = readRuntimeState(FIRST)?.names.switchNamespace ?? "";
    t.notRegex((await run("ip", ["netns", "exec", firstSwitch, "nft", "list", "ruleset"])).stdout, /mptcp_lab_loss/);
});

benchTest("taking one bench down leaves the other running", async (t) => {
    const state = readRuntimeState(SECOND);
    const recorded = [...Object.values(state?.hosts ?? {}).map((host) => host.supervisor), state?.aptProxy, state?.gitDaemon].filter(
        (record) => record !== undefined,
    );
    await benchDown(SECOND);
    t.deepEqual(await findLeftovers(SECOND, recorded), []);
    t.is((await benchStatus(FIRST)).state, "running");
    t.is((await sshOk(first, "server", "hostname")).trim(), "server");
});
