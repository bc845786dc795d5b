import test from "ava";
import { defaultBenchPlan } from "../../bench/plan";
import { burstBytes, egressShapingCommands, interfaceShaping, lossRulesScript, shapingLimitations } from "../../bench/shaping";

test("a rate becomes an htb class with a pfifo leaf when netem is missing", (t) => {
    t.deepEqual(egressShapingCommands("eth0", { rateMbit: 200, delayMs: 1 }, false), [
        ["qdisc", "replace", "dev", "eth0", "root", "handle", "1:", "htb", "default", "1"],
        ["class", "replace", "dev", "eth0", "parent", "1:", "classid", "1:1", "htb", "rate", "200mbit", "ceil", "200mbit", "burst", "25000", "cburst", "25000", "quantum", "60000"],
        ["qdisc", "replace", "dev", "eth0", "parent", "1:1", "handle", "10:", "pfifo", "limit", "1000"],
    ]);
});

test("a delay becomes a netem leaf under the htb class when netem exists", (t) => {
    const commands = egressShapingCommands("wlan0", { rateMbit: 100, delayMs: 3 }, true);
    t.deepEqual(commands.at(-1), ["qdisc", "replace", "dev", "wlan0", "parent", "1:1", "handle", "10:", "netem", "delay", "3ms", "limit", "10000"]);
});

test("without a rate only netem is left, and nothing at all without netem", (t) => {
    t.deepEqual(egressShapingCommands("eth0", { delayMs: 2 }, true), [["qdisc", "replace", "dev", "eth0", "root", "handle", "10:", "netem", "delay", "2ms", "limit", "10000"]]);
    t.deepEqual(egressShapingCommands("eth0", { delayMs: 2 }, false), []);
    t.deepEqual(egressShapingCommands("eth0", { delayMs: 0 }, true), []);
});

test("the burst is a millisecond at the rate, at least ten full frames", (t) => {
    t.is(burstBytes(200), 25_000);
    t.is(burstBytes(10), 15_140);
});

test("a shared bottleneck takes the rate away from the interfaces but keeps the delay", (t) => {
    const plan = defaultBenchPlan("t-shape", 2);
    t.deepEqual(interfaceShaping(plan, "eth0"), { rateMbit: 200, delayMs: 1 });
    plan.sharedBottleneckMbit = 150;
    t.deepEqual(interfaceShaping(plan, "eth0"), { delayMs: 1 });
    t.is(interfaceShaping(plan, "eth1"), undefined);
});

test("loss rules drop the share in both directions of each lossy port", (t) => {
    const script = lossRulesScript([
        { port: "h0-eth0", lossPercent: 0 },
        { port: "h0-wlan0", lossPercent: 1.5 },
    ]);
    t.true(script.includes('iifname "h0-wlan0" numgen random mod 1000000 < 15000 drop'));
    t.true(script.includes('oifname "h0-wlan0" numgen random mod 1000000 < 15000 drop'));
    t.false(script.includes("h0-eth0"));
    t.true(script.startsWith("table bridge mptcp_lab_loss\nflush table bridge mptcp_lab_loss\n"));
});

test("no lossy port gives no nftables script", (t) => {
    t.is(lossRulesScript([{ port: "h0-eth0", lossPercent: 0 }]), "");
});

test("a delay the kernel cannot emulate is reported as a limitation", (t) => {
    const plan = defaultBenchPlan("t-shape", 2);
    t.deepEqual(shapingLimitations(plan, true), []);
    const [limitation] = shapingLimitations(plan, false);
    t.regex(limitation, /delay not emulated on eth0, wlan0/);
    plan.shaping = { eth0: { ...plan.shaping.eth0, delayMs: 0 }, wlan0: { ...plan.shaping.wlan0, delayMs: 0 } };
    t.deepEqual(shapingLimitations(plan, false), []);
});
