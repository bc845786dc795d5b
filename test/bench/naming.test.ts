import test from "ava";
import { BenchError } from "../../bench/errors";
import {
    assertMountablePath,
    benchHash,
    bridgeForHost,
    cacheRoot,
    hostNamespace,
    interfaceMac,
    isNamespaceOfBench,
    managementBridge,
    managementPort,
    MAX_INTERFACE_NAME_LENGTH,
    switchNamespace,
    switchPort,
} from "../../bench/naming";
import { defaultBenchPlan } from "../../bench/plan";

test("namespaces are named after bench and host", (t) => {
    t.is(hostNamespace("emulated", "client"), "mlab-emulated-client");
    t.is(switchNamespace("emulated"), "mlab-emulated-sw");
});

test("root-namespace interface names fit in 15 bytes even for the longest bench name", (t) => {
    const longest = "abcdefghijklmno";
    t.true(managementBridge(longest).length <= MAX_INTERFACE_NAME_LENGTH);
    t.true(managementPort(longest, 15).length <= MAX_INTERFACE_NAME_LENGTH);
    t.true(switchPort(15, "abcdefghij").length <= MAX_INTERFACE_NAME_LENGTH);
});

test("benches side by side get distinct root-namespace names", (t) => {
    t.not(managementBridge("t-bench"), managementBridge("t-bench2"));
    t.not(managementPort("t-bench", 0), managementPort("t-bench2", 0));
    t.regex(managementBridge("t-bench"), new RegExp(`^mlab-${benchHash("t-bench")}$`));
});

test("the bench hash is stable", (t) => {
    t.is(benchHash("emulated"), benchHash("emulated"));
    t.regex(benchHash("emulated"), /^[0-9a-f]{6}$/);
});

const belongs = test.macro({
    exec(t, bench: string, namespace: string, expected: boolean) {
        t.is(isNamespaceOfBench(bench, namespace), expected);
    },
    title: (_provided, bench: string, namespace: string, expected: boolean) => `${namespace} ${expected ? "belongs" : "does not belong"} to bench ${bench}`,
});

test(belongs, "t-bench", "mlab-t-bench-client", true);
test(belongs, "t-bench", "mlab-t-bench-sw", true);
test(belongs, "t-bench", "mlab-t-bench2-client", false);
test(belongs, "t", "mlab-t-bench-client", false);
test(belongs, "t-bench", "fo-client", false);

test("with a shared bottleneck the first host sits on the other bridge", (t) => {
    const plan = defaultBenchPlan("t-names", 1);
    t.is(bridgeForHost(plan, 0), bridgeForHost(plan, 1));
    plan.sharedBottleneckMbit = 100;
    t.not(bridgeForHost(plan, 0), bridgeForHost(plan, 1));
});

test("the cache follows XDG_CACHE_HOME, else HOME", (t) => {
    t.is(cacheRoot({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" }), "/x/cache/mptcp-lab");
    t.is(cacheRoot({ HOME: "/home/u" }), "/home/u/.cache/mptcp-lab");
});

const unmountable = test.macro({
    exec(t, location: string) {
        const error = t.throws(() => assertMountablePath(location), { instanceOf: BenchError });
        t.is(error?.code, "BENCH_PATH_INVALID");
    },
    title: (_provided, location: string) => `${JSON.stringify(location)} is refused as an overlay path`,
});

test(unmountable, "relative/dir");
test(unmountable, "/with,comma");
test(unmountable, "/with:colon");
test(unmountable, "/with space");

test("interface MACs are fixed, unicast, locally administered and distinct", (t) => {
    const mac = interfaceMac("t-bench", "client", "eth0");
    t.regex(mac, /^02(:[0-9a-f]{2}){5}$/);
    t.is(interfaceMac("t-bench", "client", "eth0"), mac);
    t.not(interfaceMac("t-bench", "client", "wlan0"), mac);
    t.not(interfaceMac("t-bench2", "client", "eth0"), mac);
});
