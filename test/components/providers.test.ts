// The dynamic providers' own check, diff and read, called directly on each provider's operations:
// no engine, no host. What needs a host is left to the integration tests: `read` of HostState and
// MptcpEndpointState reads the host over SSH, EmulatedBench's reads the bench (network namespaces),
// and `diff` of RepositoryMirror looks into the bench's git directory; the parts of them that need
// none are tested here.
import test from "ava";
import * as emulatedBench from "../../components/emulated-bench-provider";
import * as failoverTest from "../../components/failover-test-provider";
import * as hostState from "../../components/host-state-provider";
import * as mptcpEndpoints from "../../components/mptcp-endpoints-provider";
import * as repositoryMirror from "../../components/repository-mirror-provider";
import * as providers from "../../components/providers";
import { expectedBootUnit } from "../../components/mptcp-boot-unit";

type Provider = typeof hostState.operations;
type CheckResult = { inputs: Record<string, unknown>; failures?: { property: string }[] };

async function check(provider: Provider, news: object): Promise<CheckResult> {
    return (await provider.check!({}, news)) as CheckResult;
}

async function changes(provider: Provider, olds: object, news: object): Promise<boolean | undefined> {
    return (await provider.diff!("id", olds, news)).changes;
}

const connection = { address: "198.19.0.10", port: 22, user: "pi", privateKey: "KEY", hostKey: "ssh-ed25519 AAAA" };

// HostState

const hostInputs = { connection, hostName: "client", mptcpEnabled: true, persisted: true, providerVersion: providers.hostStateProviderVersion };
const hostOutputs = { ...hostInputs, facts: {} };

test("HostState check accepts MPTCP on and persisted", async (t) => {
    t.deepEqual((await check(hostState.operations, hostInputs)).failures, []);
});

test("HostState check refuses to switch MPTCP off or unpersist it", async (t) => {
    const { failures } = await check(hostState.operations, { ...hostInputs, mptcpEnabled: false, persisted: false });
    t.deepEqual(failures?.map((failure) => failure.property), ["mptcpEnabled", "persisted"]);
});

test("HostState diff is empty for a host as declared", async (t) => {
    t.false(await changes(hostState.operations, hostOutputs, hostInputs));
});

const hostDrift = test.macro({
    async exec(t, olds: object, news: object) {
        t.true(await changes(hostState.operations, { ...hostOutputs, ...olds }, { ...hostInputs, ...news }));
    },
    title: (provided = "") => `HostState diff sees ${provided}`,
});
test("MPTCP switched off on the host", hostDrift, { mptcpEnabled: false }, {});
test("an edited sysctl.d file", hostDrift, { persisted: false }, {});
test("a new address to reach the host", hostDrift, {}, { connection: { ...connection, address: "198.19.0.11" } });
test("a new provider version", hostDrift, {}, { providerVersion: "0" });

// MptcpEndpointState

const wlan = { address: "198.18.0.12", device: "wlan0", flags: ["subflow" as const] };
const eth = { address: "198.18.0.2", device: "eth0", flags: ["signal" as const] };
const endpointInputs = {
    connection,
    hostName: "client",
    role: "client" as const,
    endpoints: [wlan, eth],
    limits: { subflows: 2, addAddrAccepted: 2 },
    persist: true,
    providerVersion: providers.mptcpEndpointsProviderVersion,
};
const unitOf = (inputs: typeof endpointInputs) => expectedBootUnit(inputs);
const endpointOutputs = {
    ...endpointInputs,
    endpoints: [eth, wlan],
    previousLimits: { subflows: 0, addAddrAccepted: 0 },
    unmanagedFlags: {},
    bootUnitSha256: unitOf(endpointInputs).sha256,
    bootUnitEnabled: true,
};

test("MptcpEndpointState check sorts the endpoints by address", async (t) => {
    const { inputs, failures } = await check(mptcpEndpoints.operations, endpointInputs);
    t.deepEqual(failures, []);
    t.deepEqual((inputs.endpoints as { address: string }[]).map((endpoint) => endpoint.address), ["198.18.0.2", "198.18.0.12"]);
});

const endpointRefused = test.macro({
    async exec(t, change: object, property: string) {
        const { failures } = await check(mptcpEndpoints.operations, { ...endpointInputs, ...change });
        t.deepEqual(failures?.map((failure) => failure.property), [property]);
    },
    title: (provided = "") => `MptcpEndpointState check refuses ${provided}`,
});
test("an address that is not IPv4", endpointRefused, { endpoints: [{ ...wlan, address: "198.18.0.12; reboot" }] }, "endpoints[0].address");
test("an interface name a shell could misread", endpointRefused, { endpoints: [{ ...wlan, device: "wlan0 eth0" }] }, "endpoints[0].device");
test("a flag the kernel does not know", endpointRefused, { endpoints: [{ ...wlan, flags: ["implicit"] }] }, "endpoints[0].flags");
test("more subflows than the kernel allows", endpointRefused, { limits: { subflows: 9, addAddrAccepted: 2 } }, "limits.subflows");
test("a persist that is not a boolean", endpointRefused, { persist: "yes" }, "persist");

test("MptcpEndpointState diff is empty for a host as declared, in any order", async (t) => {
    t.false(await changes(mptcpEndpoints.operations, endpointOutputs, endpointInputs));
});

const endpointDrift = test.macro({
    async exec(t, olds: object, news: object) {
        t.true(await changes(mptcpEndpoints.operations, { ...endpointOutputs, ...olds }, { ...endpointInputs, ...news }));
    },
    title: (provided = "") => `MptcpEndpointState diff sees ${provided}`,
});
test("an endpoint removed on the host", endpointDrift, { endpoints: [eth] }, {});
test("a flag changed on the host", endpointDrift, { endpoints: [eth, { ...wlan, flags: ["backup"] }] }, {});
test("limits changed on the host", endpointDrift, { limits: { subflows: 1, addAddrAccepted: 2 } }, {});
test("an edited boot unit", endpointDrift, { bootUnitSha256: "f".repeat(64) }, {});
test("a boot unit no longer wanted", endpointDrift, {}, { persist: false });
test("a new address to reach the host", endpointDrift, {}, { connection: { ...connection, port: 2222 } });

// EmulatedBench

const plan = { name: "t-bench", index: 7 };
const benchInputs = { plan, providerVersion: providers.emulatedBenchProviderVersion };
const benchOutputs = { ...benchInputs, state: "running", hosts: [], privateKey: "", aptProxyUrl: "", gitBaseUrl: "", problems: [] };

test("EmulatedBench check accepts a bench name", async (t) => {
    t.deepEqual((await check(emulatedBench.operations, benchInputs)).failures, []);
});

test("EmulatedBench check refuses a name no bench can have", async (t) => {
    const { failures } = await check(emulatedBench.operations, { ...benchInputs, plan: { ...plan, name: "Bench_1" } });
    t.deepEqual(failures?.map((failure) => failure.property), ["plan.name"]);
});

test("EmulatedBench diff is empty for a running bench as planned", async (t) => {
    t.deepEqual(await emulatedBench.operations.diff!("id", benchOutputs, benchInputs), { changes: false, replaces: [], deleteBeforeReplace: false });
});

test("EmulatedBench diff repairs a bench that is not running", async (t) => {
    t.deepEqual(await emulatedBench.operations.diff!("id", { ...benchOutputs, state: "degraded" }, benchInputs), { changes: true, replaces: [], deleteBeforeReplace: false });
});

test("EmulatedBench diff rebuilds a bench whose plan changed, the old one first", async (t) => {
    const news = { ...benchInputs, plan: { ...plan, index: 8 } };
    t.deepEqual(await emulatedBench.operations.diff!("id", benchOutputs, news), { changes: true, replaces: ["plan"], deleteBeforeReplace: true });
});

// RepositoryMirror

const mirrorInputs = { benchName: "t-no-such-bench", repository: "https://github.com/esnet/iperf.git", tag: "3.21", providerVersion: providers.repositoryMirrorProviderVersion };
const mirrorOutputs = { ...mirrorInputs, mirrorUrl: "git://198.19.0.1/esnet-iperf", seededFrom: "cache" };

test("RepositoryMirror check passes valid inputs through, with no failures", async (t) => {
    t.deepEqual(await check(repositoryMirror.operations, mirrorInputs), { inputs: mirrorInputs, failures: [] });
});

test("RepositoryMirror diff offers the repository again to a bench without its copy", async (t) => {
    t.true(await changes(repositoryMirror.operations, mirrorOutputs, mirrorInputs));
});

test("RepositoryMirror read of a bench without the copy loses the mirror URL, for diff to repair", async (t) => {
    t.deepEqual(await repositoryMirror.operations.read!("id", mirrorOutputs), { id: "id", props: { ...mirrorOutputs, mirrorUrl: "" } });
});

// FailoverTestRun

const host = (name: string) => ({ name, connection: { ...connection, address: name === "client" ? "198.19.0.10" : "198.19.0.11" } });
const testInputs = {
    client: host("client"),
    server: host("server"),
    serverAddress: "198.18.0.3",
    failingHost: "client" as const,
    failingInterface: "wlan0",
    failingAddress: "198.18.0.12",
    durationSeconds: 20,
    intervalSeconds: 0.5,
    downAtSeconds: 5,
    upAtSeconds: 15,
    direction: "forward" as const,
    control: true,
    mptcp: "mptcpize" as const,
    dependencies: { iperf3: "3.21" },
    runToken: "1",
    runner: "#!/bin/bash\n",
    resultsRoot: "/tmp/results",
    providerVersion: "1",
};
const testOutputs = { ...testInputs, runId: "r1", resultsDir: "/tmp/results/r1", mptcpRun: {} };

test("FailoverTestRun check accepts a link that fails and returns inside the test", async (t) => {
    t.deepEqual((await check(failoverTest.operations, testInputs)).failures, []);
});

const timingRefused = test.macro({
    async exec(t, change: object, property: string) {
        const { failures } = await check(failoverTest.operations, { ...testInputs, ...change });
        t.deepEqual(failures?.map((failure) => failure.property), [property]);
    },
    title: (provided = "") => `FailoverTestRun check refuses ${provided}`,
});
test("a failure after the end of the test", timingRefused, { downAtSeconds: 20, upAtSeconds: undefined }, "downAtSeconds");
test("a return before the failure", timingRefused, { upAtSeconds: 4 }, "upAtSeconds");
test("a return after the end of the test", timingRefused, { upAtSeconds: 21 }, "upAtSeconds");
test("a number of runs that is not whole", timingRefused, { repeat: 1.5 }, "repeat");
test("more runs than 50", timingRefused, { repeat: 51 }, "repeat");

test("FailoverTestRun diff keeps a result whose experiment is unchanged", async (t) => {
    t.false(await changes(failoverTest.operations, testOutputs, testInputs));
});

test("FailoverTestRun diff keeps the result when only how to reach the hosts or the number of runs changed", async (t) => {
    t.false(await changes(failoverTest.operations, testOutputs, { ...testInputs, client: { ...host("client"), connection: { ...connection, port: 2222 } }, repeat: 3 }));
});

test("FailoverTestRun diff re-runs the test when the experiment changed", async (t) => {
    t.true(await changes(failoverTest.operations, testOutputs, { ...testInputs, downAtSeconds: 6 }));
    t.true(await changes(failoverTest.operations, testOutputs, { ...testInputs, dependencies: { iperf3: "3.20" } }));
});

test("FailoverTestRun read keeps the recorded result (a result is history)", async (t) => {
    t.deepEqual(await failoverTest.operations.read!("failover/r1", testOutputs), { id: "failover/r1", props: testOutputs });
});
