// The seed lab's resources as the engine hands them to policies (secrets unwrapped), with the
// options the components give them. Each builder takes the fields a test changes.
import type { ResourceUnderTest } from "./policy-args";

// Written out here rather than taken from the pack, so that a wrong token in the pack fails the tests.
const dynamicType = (name: string) => `pulumi-nodejs:dynamic/mptcp-lab:${name}`;

export const types = {
    hostState: dynamicType("HostState"),
    iperf3: "mptcp-lab:host:Iperf3",
    remoteCommand: "command:remote:Command",
    mptcpEndpointState: dynamicType("MptcpEndpointState"),
    failoverTestRun: dynamicType("FailoverTestRun"),
    benchInstance: dynamicType("BenchInstance"),
} as const;

export const pinnedHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGNsaWVudC1ob3N0LWtleS1mb3ItcG9saWN5LXRlc3Rz";

type Role = "client" | "server";
type Props = Record<string, unknown>;

/** Each host's eth0 (primary) and wlan0 addresses, as in the seed lab moved into 198.18.0.0/15. */
export const addresses = {
    client: { eth0: "198.18.0.133", wlan0: "198.18.0.173" },
    server: { eth0: "198.18.0.218", wlan0: "198.18.0.237" },
} as const;

export function connection(role: Role, changes: Props = {}): Props {
    return { address: addresses[role].eth0, port: 22, user: "pi", privateKey: "a private key", hostKey: pinnedHostKey, ...changes };
}

/** A resource that carries `connection`, as HostState and MptcpEndpointState do. */
export function connected(type: string, role: Role, changes: Props = {}): ResourceUnderTest {
    return { type, name: `${role}-${type.split(":").pop()}`, props: { hostName: role, connection: connection(role), ...changes }, additionalSecretOutputs: ["connection"] };
}

/** An install step (the headers or the iperf3 build) as @pulumi/command's remote command. */
export function remoteCommand(role: Role, connectionChanges: Props = {}): ResourceUnderTest {
    const { address, ...rest } = connection(role);
    // A change to undefined leaves the field out, as the engine would.
    const commandConnection = Object.fromEntries(Object.entries({ host: address, ...rest, ...connectionChanges }).filter(([, value]) => value !== undefined));
    return { type: types.remoteCommand, name: `${role}-iperf3-install`, props: { connection: commandConnection, create: "sudo -n bash -s" }, additionalSecretOutputs: ["connection"] };
}

/** The Iperf3 component, whose inputs name the source it builds. */
export function iperf3Component(role: Role, changes: Props = {}): ResourceUnderTest {
    const props = { hostName: role, from: "source", repository: "https://github.com/esnet/iperf.git", tag: "3.21", package: "iperf3", ...changes };
    return { type: types.iperf3, name: `${role}-iperf3`, props, additionalSecretOutputs: [] };
}

export function endpointState(role: Role, changes: Props = {}): ResourceUnderTest {
    const endpoints = [{ address: addresses[role].wlan0, device: "wlan0", flags: [role === "client" ? "subflow" : "signal"] }];
    const limits = role === "client" ? { subflows: 2, addAddrAccepted: 1 } : { subflows: 2, addAddrAccepted: 0 };
    return connected(types.mptcpEndpointState, role, { role, endpoints, limits, ...changes });
}

export function failoverTestRun(changes: Props = {}): ResourceUnderTest {
    return {
        type: types.failoverTestRun,
        name: "failover-run",
        props: {
            client: { name: "client", connection: connection("client") },
            server: { name: "server", connection: connection("server") },
            serverAddress: addresses.server.eth0,
            failingHost: "client",
            failingInterface: "wlan0",
            failingAddress: addresses.client.wlan0,
            durationSeconds: 10,
            intervalSeconds: 0.1,
            downAtSeconds: 3,
            upAtSeconds: 7,
            direction: "forward",
            control: true,
            mptcp: "native",
            runToken: "1",
            ...changes,
        },
        additionalSecretOutputs: ["client", "server"],
    };
}

export function benchInstance(planChanges: Props = {}): ResourceUnderTest {
    const hosts = (["client", "server"] as const).map((role) => ({
        name: role,
        interfaces: [
            { name: "eth0", cidr: `${addresses[role].eth0}/24` },
            { name: "wlan0", cidr: `${addresses[role].wlan0}/24` },
        ],
    }));
    const shaping = { eth0: { rateMbit: 200, delayMs: 1, lossPercent: 0 }, wlan0: { rateMbit: 100, delayMs: 3, lossPercent: 0 } };
    return {
        type: types.benchInstance,
        name: "emulated-instance",
        props: { plan: { name: "emulated", subnet: "198.18.0.0/24", managementSubnet: "198.19.0.0/24", suite: "trixie", hosts, shaping, ...planChanges } },
        additionalSecretOutputs: ["privateKey"],
    };
}
