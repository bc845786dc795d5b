import test from "ava";
import { BenchError, type BenchErrorCode } from "../../bench/errors";
import { type BenchPlan, defaultBenchPlan, findPlanProblems, managementAddresses, planDifferences } from "../../bench/plan";

test("the default plan mirrors the seed lab in 198.18.0.0/24", (t) => {
    const plan = defaultBenchPlan();
    t.is(plan.name, "emulated");
    t.is(plan.suite, "trixie");
    t.is(plan.subnet, "198.18.0.0/24");
    t.is(plan.managementSubnet, "198.19.0.0/24");
    t.deepEqual(
        plan.hosts.map((host) => [host.name, host.interfaces.map((item) => `${item.name}=${item.cidr}`)]),
        [
            ["client", ["eth0=198.18.0.133/24", "wlan0=198.18.0.173/24"]],
            ["server", ["eth0=198.18.0.218/24", "wlan0=198.18.0.237/24"]],
        ],
    );
    t.deepEqual(plan.shaping.eth0, { rateMbit: 200, delayMs: 1, lossPercent: 0 });
    t.deepEqual(plan.shaping.wlan0, { rateMbit: 100, delayMs: 3, lossPercent: 0 });
    t.is(plan.sharedBottleneckMbit, undefined);
    t.deepEqual(findPlanProblems(plan), []);
});

test("a subnet index moves both networks", (t) => {
    const plan = defaultBenchPlan("t-bench", 7);
    t.is(plan.subnet, "198.18.7.0/24");
    t.is(plan.managementSubnet, "198.19.7.0/24");
    t.is(plan.hosts[1].interfaces[1].cidr, "198.18.7.237/24");
    t.deepEqual(managementAddresses(plan), { bridge: "198.19.7.1", hosts: ["198.19.7.10", "198.19.7.11"], prefixLength: 24 });
});

test("default plans are independent copies", (t) => {
    const first = defaultBenchPlan();
    first.shaping.eth0 = { rateMbit: 1, delayMs: 0, lossPercent: 0 };
    t.is(defaultBenchPlan().shaping.eth0.rateMbit, 200);
});

const rejectsArguments = test.macro({
    exec(t, name: string, index: number, code: BenchErrorCode) {
        const error = t.throws(() => defaultBenchPlan(name, index), { instanceOf: BenchError });
        t.is(error?.code, code);
    },
    title: (_provided, name: string, index: number, code: BenchErrorCode) => `defaultBenchPlan(${JSON.stringify(name)}, ${index}) fails with ${code}`,
});

test(rejectsArguments, "Bench", 0, "BENCH_NAME_INVALID");
test(rejectsArguments, "a-name-that-is-too-long", 0, "BENCH_NAME_INVALID");
test(rejectsArguments, "bench; rm -rf /", 0, "BENCH_NAME_INVALID");
test(rejectsArguments, "ok", 256, "BENCH_INDEX_INVALID");
test(rejectsArguments, "ok", 1.5, "BENCH_INDEX_INVALID");

const rejectsPlan = test.macro({
    exec(t, change: (plan: BenchPlan) => void, code: string, path: string) {
        const plan = defaultBenchPlan("t-plan", 3);
        change(plan);
        const problems = findPlanProblems(plan);
        t.true(
            problems.some((problem) => problem.code === code && problem.path === path),
            JSON.stringify(problems),
        );
    },
    title: (description = "", _change, code: string, path: string) => `a plan with ${description} is rejected with ${code} at ${path}`,
});

test("an address outside the bench range", rejectsPlan, (plan) => (plan.subnet = "10.0.0.0/24"), "BENCH_SUBNET_INVALID", "subnet");
test("host bits in the subnet", rejectsPlan, (plan) => (plan.subnet = "198.18.3.1/24"), "BENCH_SUBNET_INVALID", "subnet");
test("overlapping subnets", rejectsPlan, (plan) => (plan.managementSubnet = "198.18.3.0/25"), "BENCH_SUBNET_INVALID", "managementSubnet");
test("a management subnet too small for its hosts", rejectsPlan, (plan) => (plan.managementSubnet = "198.19.3.0/28"), "BENCH_SUBNET_INVALID", "managementSubnet");
test("a hyphen in a host name", rejectsPlan, (plan) => (plan.hosts[0].name = "pi-one"), "BENCH_HOST_NAME_INVALID", "hosts[0].name");
test("the reserved host name sw", rejectsPlan, (plan) => (plan.hosts[1].name = "sw"), "BENCH_HOST_NAME_INVALID", "hosts[1].name");
test("two hosts of one name", rejectsPlan, (plan) => (plan.hosts[1].name = "client"), "BENCH_HOST_NAME_INVALID", "hosts[1].name");
test("no hosts", rejectsPlan, (plan) => (plan.hosts = []), "BENCH_HOSTS_INVALID", "hosts");
test("the management interface name", rejectsPlan, (plan) => (plan.hosts[0].interfaces[1].name = "mgmt0"), "BENCH_INTERFACE_INVALID", "hosts[0].interfaces[1].name");
test("an interface name with a space", rejectsPlan, (plan) => (plan.hosts[0].interfaces[0].name = "eth 0"), "BENCH_INTERFACE_INVALID", "hosts[0].interfaces[0].name");
test("an address outside the subnet", rejectsPlan, (plan) => (plan.hosts[0].interfaces[0].cidr = "198.18.4.133/24"), "BENCH_ADDRESS_INVALID", "hosts[0].interfaces[0].cidr");
test("a duplicate address", rejectsPlan, (plan) => (plan.hosts[1].interfaces[0].cidr = "198.18.3.133/24"), "BENCH_ADDRESS_INVALID", "hosts[1].interfaces[0].cidr");
test("a broadcast address", rejectsPlan, (plan) => (plan.hosts[1].interfaces[0].cidr = "198.18.3.255/24"), "BENCH_ADDRESS_INVALID", "hosts[1].interfaces[0].cidr");
test("a prefix other than the subnet's", rejectsPlan, (plan) => (plan.hosts[1].interfaces[0].cidr = "198.18.3.218/25"), "BENCH_ADDRESS_INVALID", "hosts[1].interfaces[0].cidr");
test("a rate beyond 1000 Mbit/s", rejectsPlan, (plan) => (plan.shaping.eth0 = { ...plan.shaping.eth0, rateMbit: 5000 }), "BENCH_SHAPING_INVALID", "shaping.eth0");
test("a loss of 100 percent", rejectsPlan, (plan) => (plan.shaping.wlan0 = { ...plan.shaping.wlan0, lossPercent: 100 }), "BENCH_SHAPING_INVALID", "shaping.wlan0");
test("a bottleneck of zero", rejectsPlan, (plan) => (plan.sharedBottleneckMbit = 0), "BENCH_BOTTLENECK_INVALID", "sharedBottleneckMbit");
test("a bottleneck with one host", rejectsPlan, (plan) => {
    plan.hosts = plan.hosts.slice(0, 1);
    plan.sharedBottleneckMbit = 100;
}, "BENCH_BOTTLENECK_INVALID", "sharedBottleneckMbit");
test("an unusual suite name", rejectsPlan, (plan) => (plan.suite = "../etc"), "BENCH_SUITE_INVALID", "suite");

test("every problem of a plan is reported at once", (t) => {
    const plan = defaultBenchPlan("t-plan", 3);
    plan.name = "Bad";
    plan.subnet = "10.0.0.0/8";
    plan.shaping.eth0 = { ...plan.shaping.eth0, delayMs: -1 };
    const codes = findPlanProblems(plan).map((problem) => problem.code);
    t.true(codes.includes("BENCH_NAME_INVALID"));
    t.true(codes.includes("BENCH_SUBNET_INVALID"));
    t.true(codes.includes("BENCH_SHAPING_INVALID"));
});

test("planDifferences names the changed fields whatever the key order", (t) => {
    const before = defaultBenchPlan("t-plan", 3);
    const reordered = JSON.parse(JSON.stringify({ ...before, shaping: { wlan0: before.shaping.wlan0, eth0: before.shaping.eth0 } })) as BenchPlan;
    t.deepEqual(planDifferences(before, reordered), []);
    const after = defaultBenchPlan("t-plan", 4);
    after.sharedBottleneckMbit = 100;
    t.deepEqual(planDifferences(before, after), ["hosts", "managementSubnet", "sharedBottleneckMbit", "subnet"]);
});
test("NetworkManager on a host the bench does not have", rejectsPlan, (plan) => (plan.networkManager = ["client", "router"]), "BENCH_NETWORK_MANAGER_INVALID", "networkManager[1]");
test("NetworkManager named twice for one host", rejectsPlan, (plan) => (plan.networkManager = ["client", "client"]), "BENCH_NETWORK_MANAGER_INVALID", "networkManager[1]");

test("NetworkManager on the bench's own hosts is a valid plan", (t) => {
    t.deepEqual(findPlanProblems({ ...defaultBenchPlan("ok", 3), networkManager: ["client", "server"] }), []);
});
