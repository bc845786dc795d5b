// Normalise stage: turns a schema-valid lab into the deeply frozen LabSpec, filling in every
// default. The defaults here are the ones lab/schema.json documents (a test keeps them in step).
import type { HostDocument, LabDocument } from "./document";
import { endpointFlagFor } from "./rules";
import type { BenchSpec, EndpointSpec, HostSpec, Iperf3Spec, InterfaceSpec, LabSpec, TcShapingSpec } from "./types";

export const LAB_DEFAULTS = deepFreeze({
    managementSubnet: "198.19.0.0/24",
    suite: "trixie",
    user: "pi",
    networkManager: [],
    shaping: {
        eth0: { rateMbit: 200, delayMs: 1, lossPercent: 0 },
        wlan0: { rateMbit: 100, delayMs: 3, lossPercent: 0 },
    },
    delayMs: 0,
    lossPercent: 0,
    port: 22,
    subflows: 2,
    addAddrAccepted: 2,
    headers: "auto",
    persist: false,
    repository: "https://github.com/esnet/iperf.git",
    tag: "3.21",
    configureFlags: [],
    mptcp: "auto",
    durationSeconds: 10,
    intervalSeconds: 0.1,
    downAtSeconds: 3,
    direction: "forward",
    control: true,
    runToken: "1",
    repeat: 1,
    failback: "stay",
    allowOnlyPath: false,
    allowManagementPath: false,
} as const);

export function normaliseLab(document: LabDocument): LabSpec {
    const failover = document.failover;
    const spec: LabSpec = {
        name: document.name,
        ...(document.bench ? { bench: normaliseBench(document.bench) } : {}),
        hosts: Object.entries(document.hosts).map(([name, host]) => normaliseHost(name, host)),
        iperf3: normaliseIperf3(document),
        failover: {
            host: failover.host,
            interface: failover.interface,
            durationSeconds: failover.durationSeconds ?? LAB_DEFAULTS.durationSeconds,
            intervalSeconds: failover.intervalSeconds ?? LAB_DEFAULTS.intervalSeconds,
            downAtSeconds: failover.downAtSeconds ?? LAB_DEFAULTS.downAtSeconds,
            ...(failover.upAtSeconds === undefined ? {} : { upAtSeconds: failover.upAtSeconds }),
            direction: failover.direction ?? LAB_DEFAULTS.direction,
            control: failover.control ?? LAB_DEFAULTS.control,
            runToken: failover.runToken ?? LAB_DEFAULTS.runToken,
            repeat: failover.repeat ?? LAB_DEFAULTS.repeat,
            failback: failover.failback ?? LAB_DEFAULTS.failback,
            allowOnlyPath: failover.allowOnlyPath ?? LAB_DEFAULTS.allowOnlyPath,
            allowManagementPath: failover.allowManagementPath ?? LAB_DEFAULTS.allowManagementPath,
        },
    };
    return deepFreeze(spec);
}

function normaliseBench(bench: NonNullable<LabDocument["bench"]>): BenchSpec {
    const shaping: Record<string, TcShapingSpec> = {};
    for (const [name, entry] of Object.entries(bench.shaping ?? LAB_DEFAULTS.shaping)) {
        shaping[name] = { rateMbit: entry.rateMbit, delayMs: entry.delayMs ?? LAB_DEFAULTS.delayMs, lossPercent: entry.lossPercent ?? LAB_DEFAULTS.lossPercent };
    }
    return {
        name: bench.name,
        subnet: bench.subnet,
        managementSubnet: bench.managementSubnet ?? LAB_DEFAULTS.managementSubnet,
        suite: bench.suite ?? LAB_DEFAULTS.suite,
        user: bench.user ?? LAB_DEFAULTS.user,
        shaping,
        networkManager: [...(bench.networkManager ?? LAB_DEFAULTS.networkManager)],
        ...(bench.sharedBottleneckMbit === undefined ? {} : { sharedBottleneckMbit: bench.sharedBottleneckMbit }),
    };
}

function normaliseHost(name: string, host: HostDocument): HostSpec {
    const interfaces: InterfaceSpec[] = Object.entries(host.interfaces).map(([interfaceName, cidr]) => ({
        name: interfaceName,
        cidr,
        address: cidr.split("/")[0],
    }));
    const connection = host.connection;
    return {
        name,
        role: host.role,
        ...(connection ? { connection: { address: connection.address, port: connection.port ?? LAB_DEFAULTS.port, user: connection.user, hostKey: connection.hostKey } } : {}),
        interfaces,
        endpoints: host.endpoints?.map((endpoint) => ({ ...endpoint, flags: [...endpoint.flags] })) ?? defaultEndpoints(host.role, interfaces),
        limits: {
            subflows: host.limits?.subflows ?? LAB_DEFAULTS.subflows,
            addAddrAccepted: host.limits?.addAddrAccepted ?? LAB_DEFAULTS.addAddrAccepted,
        },
        headers: { package: host.headers ?? LAB_DEFAULTS.headers },
        persist: host.persist ?? LAB_DEFAULTS.persist,
    };
}

/** Every interface but the first (the primary path) gets an endpoint: the client opens a subflow
 *  from it, the server announces it. */
export function defaultEndpoints(role: HostSpec["role"], interfaces: readonly InterfaceSpec[]): EndpointSpec[] {
    return interfaces.slice(1).map((entry) => ({ address: entry.address, device: entry.name, flags: [endpointFlagFor(role)] }));
}

function normaliseIperf3(document: LabDocument): Iperf3Spec {
    const { source, mptcp = LAB_DEFAULTS.mptcp } = document.iperf3;
    if (source) {
        return {
            from: "source",
            repository: source.repository ?? LAB_DEFAULTS.repository,
            tag: source.tag ?? LAB_DEFAULTS.tag,
            configureFlags: [...(source.configureFlags ?? LAB_DEFAULTS.configureFlags)],
            mptcp,
        };
    }
    return { from: "package", package: document.iperf3.package as string, mptcp };
}

/** Freezes a value and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value)) deepFreeze(child);
    }
    return value;
}
