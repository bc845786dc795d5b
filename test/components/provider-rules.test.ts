// The providers' `check` refuses what the rule table refuses, field by field (no engine, no host).
import test from "ava";
import type * as pulumi from "@pulumi/pulumi";
import { operations as benchOperations } from "../../components/emulated-bench-provider";
import { operations as failoverOperations } from "../../components/failover-test-provider";
import type { FailoverTestInputs } from "../../components/failover-test-provider";
import { operations as endpointOperations } from "../../components/mptcp-endpoints-provider";
import type { MptcpEndpointsInputs } from "../../components/mptcp-endpoints-provider";
import { operations as mirrorOperations } from "../../components/repository-mirror-provider";
import type { RepositoryMirrorInputs } from "../../components/repository-mirror-provider";

async function refused(provider: pulumi.dynamic.ResourceProvider, inputs: object): Promise<string[]> {
    const result = await provider.check!({}, inputs);
    return (result.failures ?? []).map((failure) => failure.property);
}

const connection = { address: "198.19.0.10", port: 22, user: "root", privateKey: "KEY", hostKey: "ssh-ed25519 AAAA" };
const mirror: RepositoryMirrorInputs = { benchName: "emulated", repository: "https://github.com/esnet/iperf.git", tag: "3.21", providerVersion: "1" };
const endpoints: MptcpEndpointsInputs = {
    connection,
    hostName: "client",
    role: "client",
    endpoints: [{ address: "198.18.0.173", device: "wlan0", flags: ["subflow"] }],
    limits: { subflows: 2, addAddrAccepted: 2 },
    persist: false,
    providerVersion: "2",
};
const host = { name: "client", connection };
const failover: FailoverTestInputs = {
    client: host,
    server: { ...host, name: "server" },
    serverAddress: "198.18.0.218",
    failingHost: "client",
    failingInterface: "wlan0",
    failingAddress: "198.18.0.173",
    durationSeconds: 10,
    intervalSeconds: 0.1,
    downAtSeconds: 3,
    direction: "forward",
    control: true,
    mptcp: "native",
    dependencies: {},
    runToken: "1",
    runnerVersion: "3",
    resultsRoot: "/tmp/results",
    providerVersion: "1",
};

test("the providers accept what the lab accepts", async (t) => {
    t.deepEqual(await refused(mirrorOperations, mirror), []);
    t.deepEqual(await refused(endpointOperations, endpoints), []);
    t.deepEqual(await refused(failoverOperations, { ...failover, upAtSeconds: 10 }), []);
    t.deepEqual(await refused(benchOperations, { plan: { name: "t-bench" }, providerVersion: "2" }), []);
});

test("the mirror refuses a repository, tag or bench name outside the table's rules", async (t) => {
    t.deepEqual(await refused(mirrorOperations, { ...mirror, benchName: "Bench", repository: "https://x/'y", tag: "$(reboot)" }), ["benchName", "repository", "tag"]);
});

test("the endpoint table refuses an interface name or address outside the table's rules", async (t) => {
    const bad = { ...endpoints, endpoints: [{ address: "198.18.0.300", device: "eth0.100", flags: ["subflow"] }] };
    t.deepEqual(await refused(endpointOperations, bad), ["endpoints[0].address", "endpoints[0].device"]);
});

test("the bench refuses a name outside the table's rule", async (t) => {
    t.deepEqual(await refused(benchOperations, { plan: { name: "a-much-too-long-bench" }, providerVersion: "2" }), ["plan.name"]);
});

const timing = test.macro({
    async exec(t, change: Partial<FailoverTestInputs>, properties: string[]) {
        t.deepEqual(await refused(failoverOperations, { ...failover, ...change }), properties);
    },
    title: (title = "") => `the failover test refuses ${title}`,
});
test("a link that goes down after the end", timing, { downAtSeconds: 10 }, ["downAtSeconds"]);
test("a link that comes back before it goes down", timing, { upAtSeconds: 3 }, ["upAtSeconds"]);
test("a link that comes back after the end", timing, { upAtSeconds: 10.5 }, ["upAtSeconds"]);
test("more runs than the table allows", timing, { repeat: 51 }, ["repeat"]);

test("the endpoint table refuses limits outside the kernel's range", async (t) => {
    t.deepEqual(await refused(endpointOperations, { ...endpoints, limits: { subflows: 9, addAddrAccepted: -1 } }), ["limits.subflows", "limits.addAddrAccepted"]);
});
