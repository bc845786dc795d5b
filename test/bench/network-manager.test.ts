import test from "ava";
import { BenchError } from "../../bench/errors";
import { BENCH_NETWORK_MANAGER_CONF, connectionId, defaultGateway, renderKeyfile } from "../../bench/network-manager";
import { benchPlanFromLab, defaultBenchPlan } from "../../bench/plan";
import { loadLabFile } from "../../lab";
import { join } from "node:path";

test("the hosts' default gateway is the first address of the lab LAN that no interface has", (t) => {
    t.is(defaultGateway(defaultBenchPlan("nm", 11)), "198.18.11.1");
    const plan = defaultBenchPlan("nm", 11);
    plan.hosts[0].interfaces[0].cidr = "198.18.11.1/24";
    plan.hosts[1].interfaces[0].cidr = "198.18.11.2/24";
    t.is(defaultGateway(plan), "198.18.11.3");
});

test("a lab LAN with no free address has no gateway to give", (t) => {
    const plan = defaultBenchPlan("nm", 11);
    plan.subnet = "198.18.11.0/30";
    plan.hosts = [{ name: "client", interfaces: [{ name: "eth0", cidr: "198.18.11.1/30" }, { name: "wlan0", cidr: "198.18.11.2/30" }] }];
    t.is(t.throws(() => defaultGateway(plan), { instanceOf: BenchError })?.code, "BENCH_PLAN_INVALID");
});

test("an interface's keyfile keeps the bench's address and gives a Pi's route metric and a default route", (t) => {
    const keyfile = renderKeyfile("wlan0", "198.18.11.173/24", "198.18.11.1");
    t.true(keyfile.includes("\nid=bench-wlan0\n"));
    t.true(keyfile.includes("\ninterface-name=wlan0\n"));
    t.true(keyfile.includes("\nmethod=manual\naddress1=198.18.11.173/24,198.18.11.1\nroute-metric=600\n"));
    t.true(renderKeyfile("eth0", "198.18.11.133/24", "198.18.11.1").includes("\nroute-metric=100\n"));
    // No MPTCP setting: NetworkManager's own default applies, as on a Pi.
    t.false(keyfile.includes("mptcp-flags"));
    t.is(connectionId("eth0"), "bench-eth0");
});

test("NetworkManager leaves the management link to the bench", (t) => {
    t.regex(BENCH_NETWORK_MANAGER_CONF, /^unmanaged-devices=interface-name:mgmt0$/m);
    t.regex(BENCH_NETWORK_MANAGER_CONF, /^no-auto-default=\*$/m);
});

test("a lab without networkManager gives the plan it always gave, one with it names the hosts", (t) => {
    const lab = loadLabFile(join(__dirname, "..", "fixtures", "labs", "good", "emulated.yaml")).spec;
    t.false("networkManager" in benchPlanFromLab(lab)!);
    t.deepEqual(benchPlanFromLab({ ...lab, bench: { ...lab.bench!, networkManager: ["client"] } })?.networkManager, ["client"]);
});
