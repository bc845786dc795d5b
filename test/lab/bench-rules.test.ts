import test from "ava";
import { benchPlanFromLab, findPlanProblems } from "../../bench/plan";
import { validateLabText } from "../../lab";
import { GOOD_DIR, placeOf, readFixture, STACKS_DIR, yamlFilesIn } from "./fixtures";

// What the emulated bench refuses at `up` (BENCH_PLAN_INVALID), validate refuses, through the
// bench's own check: each case is a lab the schema and the lab's checks alone let through.
const LAB = `name: rules
bench:
  name: emulated
  subnet: 198.18.0.0/24
hosts:
  client:
    role: client
    interfaces:
      eth0: 198.18.0.133/24
      wlan0: 198.18.0.173/24
  server:
    role: server
    interfaces:
      eth0: 198.18.0.218/24
      wlan0: 198.18.0.237/24
iperf3:
  package: iperf3
  mptcp: mptcpize
failover:
  host: client
  interface: wlan0
`;

function edited(...edits: readonly (readonly [string, string])[]): string {
    return edits.reduce((text, [from, to]) => {
        if (!text.includes(from)) throw new Error(`the lab has no ${JSON.stringify(from)}`);
        return text.replace(from, to);
    }, LAB);
}

const refusedLikeTheBench = test.macro({
    exec(t, text: string, expected: readonly string[]) {
        const result = validateLabText(text, "rules.yaml");
        t.is(result.spec, undefined);
        t.deepEqual(result.problems.filter((problem) => problem.severity === "error").map(placeOf), expected);
    },
    title: (what) => `validate refuses, as the bench does, ${what ?? ""}`,
});

test("a host name with a dash", refusedLikeTheBench, edited(["  server:", "  pi-server:"]), ["bench-host-name 11:3 hosts.pi-server"]);
test("a host name over 12 characters", refusedLikeTheBench, edited(["  client:", "  clientmachine:"], ["host: client", "host: clientmachine"]), ["bench-host-name 6:3 hosts.clientmachine"]);
test("the switch's reserved host name", refusedLikeTheBench, edited(["  server:", "  sw:"]), ["bench-host-name 11:3 hosts.sw"]);
test("an interface named mgmt0", refusedLikeTheBench, edited(["      wlan0: 198.18.0.237/24", "      mgmt0: 198.18.0.237/24"]), ["bench-interface 15:7 hosts.server.interfaces.mgmt0"]);
test("an interface name over 10 characters", refusedLikeTheBench, edited(["      eth0: 198.18.0.218/24", "      enp1s0u1x23: 198.18.0.218/24"]), ["bench-interface 14:7 hosts.server.interfaces.enp1s0u1x23"]);
test("an interface prefix other than the subnet's", refusedLikeTheBench, edited(["198.18.0.173/24", "198.18.0.173/25"]), ["bench-address 10:14 hosts.client.interfaces.wlan0"]);
test("five interfaces on a host", refusedLikeTheBench, edited(["    role: server", "    role: server\n    endpoints: []"], ["      wlan0: 198.18.0.237/24", "      wlan0: 198.18.0.237/24\n      eth1: 198.18.0.240/24\n      eth2: 198.18.0.241/24\n      eth3: 198.18.0.242/24"]), ["bench-interface 14:5 hosts.server.interfaces"]);
test("a shaping rate over 1000 Mbit/s", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  shaping:\n    eth0: {rateMbit: 1001}"]), ["bench-shaping 6:11 bench.shaping.eth0"]);
test("a shaping rate under 1 Mbit/s", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  shaping:\n    eth0: {rateMbit: 0.5}"]), ["bench-shaping 6:11 bench.shaping.eth0"]);
test("a delay over 1000 ms", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  shaping:\n    wlan0: {rateMbit: 100, delayMs: 2000}"]), ["bench-shaping 6:12 bench.shaping.wlan0"]);
test("a loss of 100%", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  shaping:\n    wlan0: {rateMbit: 100, lossPercent: 100}"]), ["bench-shaping 6:12 bench.shaping.wlan0"]);
test("shaping for an interface name over 10 characters", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  shaping:\n    wlan0abcdefg: {rateMbit: 100}"]), ["bench-interface 6:5 bench.shaping.wlan0abcdefg"]);
test("a shared bottleneck over 1000 Mbit/s", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  sharedBottleneckMbit: 5000"]), ["bench-bottleneck 5:25 bench.sharedBottleneckMbit"]);
test("a suite name over 20 characters", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  suite: a-very-long-suite-name-x"]), ["bench-suite 5:10 bench.suite"]);
test("a subnet wider than /16 (which the default management subnet overlaps too)", refusedLikeTheBench, edited(["198.18.0.0/24", "198.18.0.0/15"], ...["133", "173", "218", "237"].map((octet) => [`${octet}/24`, `${octet}/15`] as const)), ["bench-subnets-overlap 2:1 bench.managementSubnet", "bench-subnet 4:11 bench.subnet"]);
test("a management subnet narrower than /27", refusedLikeTheBench, edited(["  subnet: 198.18.0.0/24", "  subnet: 198.18.0.0/24\n  managementSubnet: 198.19.0.0/28"]), ["bench-subnet 5:21 bench.managementSubnet"]);

test("a field the lab's own checks refuse is reported once, in the lab's words", (t) => {
    const result = validateLabText(edited(["198.18.0.237/24", "198.18.1.237/24"]), "rules.yaml");
    t.deepEqual(result.problems.map(placeOf), ["bench-address-outside-subnet 15:14 hosts.server.interfaces.wlan0"]);
});

const benchLabs = [...yamlFilesIn(GOOD_DIR).map((file) => ({ dir: GOOD_DIR, file })), ...yamlFilesIn(STACKS_DIR).map((file) => ({ dir: STACKS_DIR, file }))].filter(({ dir, file }) => readFixture(dir, file).includes("bench:"));

test("some valid labs declare a bench", (t) => {
    t.true(benchLabs.length >= 2);
});

const benchAccepts = test.macro({
    exec(t, dir: string, file: string) {
        const { spec } = validateLabText(readFixture(dir, file), file);
        const plan = spec && benchPlanFromLab(spec);
        t.truthy(plan, `${file} is valid and declares a bench`);
        if (plan) t.deepEqual(findPlanProblems(plan), []);
    },
    title: (_, _dir: string, file: string) => `the bench accepts the plan of valid lab ${file}`,
});

for (const { dir, file } of benchLabs) test(benchAccepts, dir, file);
