// The bench plan: what a bench should look like. Defaults mirror the seed lab (two Pis, eth0 and
// wlan0 on one /24), moved into 198.18.0.0/15. Pure functions, no I/O.

import type { LabSpec, TcShapingSpec } from "../lab/types";
import { VALUE_RULES } from "../lab/value-rules";
import {
    BENCH_ADDRESS_RANGE,
    contains,
    isHostAddressOf,
    isNetwork,
    mustParseCidr,
    nthAddress,
    overlaps,
    parseCidr,
} from "./addresses";
import { BenchError, type BenchProblem, throwIfProblems } from "./errors";

export interface BenchHostPlan {
    /** Host name, also its hostname inside the bench, e.g. `client`. */
    name: string;
    /** Lab interfaces as on the Pi, e.g. `eth0` with `198.18.0.133/24`. */
    interfaces: { name: string; cidr: string }[];
}

export interface BenchPlan {
    name: string;
    /** The lab LAN, e.g. `198.18.0.0/24`. */
    subnet: string;
    /** Management network between the machine (first address) and the hosts (from the 10th). */
    managementSubnet: string;
    /** Debian suite of the shared base image. */
    suite: string;
    hosts: BenchHostPlan[];
    /** Shaping per interface name, applied in both directions of that interface's link. */
    shaping: Record<string, TcShapingSpec>;
    /** One shared bottleneck (Mbit/s) between the first host and the others instead of per-interface rates. */
    sharedBottleneckMbit?: number;
    /** Hosts (by name) that run NetworkManager as Raspberry Pi OS does; absent or empty: none. */
    networkManager?: string[];
}

export const DEFAULT_BENCH_NAME = "emulated";
/** Raspberry Pi OS is based on Debian 13 today. */
export const DEFAULT_SUITE = "trixie";
export const MAX_HOSTS = 16;
/** Host n (0-based) gets the management address with this offset plus n. */
const FIRST_HOST_MANAGEMENT_OFFSET = 10;

/** The lab's bench name rule (lab/value-rules.ts). */
export const BENCH_NAME_PATTERN = VALUE_RULES.benchName.pattern;
/** No hyphen, so that `mlab-<bench>-<host>` splits back into bench and host unambiguously. */
export const HOST_NAME_PATTERN = /^[a-z][a-z0-9]{0,11}$/;
export const INTERFACE_NAME_PATTERN = /^[a-z][a-z0-9]{0,9}$/;
const SUITE_PATTERN = /^[a-z][a-z0-9-]{1,19}$/;
const RESERVED_HOST_NAMES = new Set(["sw"]);
export const MANAGEMENT_INTERFACE = "mgmt0";
const RESERVED_INTERFACE_NAMES = new Set(["lo", MANAGEMENT_INTERFACE]);

/** The seed's host octets (172.31.0.x), kept in the bench subnet. */
const SEED_HOSTS: readonly { name: string; interfaces: readonly [string, number][] }[] = [
    { name: "client", interfaces: [["eth0", 133], ["wlan0", 173]] },
    { name: "server", interfaces: [["eth0", 218], ["wlan0", 237]] },
];

/** Wired faster than wireless, within what two cores push through veth and tc. */
export const DEFAULT_SHAPING: Readonly<Record<string, TcShapingSpec>> = {
    eth0: { rateMbit: 200, delayMs: 1, lossPercent: 0 },
    wlan0: { rateMbit: 100, delayMs: 3, lossPercent: 0 },
};

/** Bench `index` uses 198.18.<index>.0/24 for the lab LAN and 198.19.<index>.0/24 for management. */
export function defaultBenchPlan(name: string = DEFAULT_BENCH_NAME, index = 0): BenchPlan {
    if (!BENCH_NAME_PATTERN.test(name)) {
        throw new BenchError("BENCH_NAME_INVALID", `invalid bench name ${JSON.stringify(name)}`);
    }
    if (!Number.isInteger(index) || index < 0 || index > 255) {
        throw new BenchError("BENCH_INDEX_INVALID", `invalid subnet index ${JSON.stringify(index)}`);
    }
    return {
        name,
        subnet: `198.18.${index}.0/24`,
        managementSubnet: `198.19.${index}.0/24`,
        suite: DEFAULT_SUITE,
        hosts: SEED_HOSTS.map((host) => ({
            name: host.name,
            interfaces: host.interfaces.map(([interfaceName, octet]) => ({
                name: interfaceName,
                cidr: `198.18.${index}.${octet}/24`,
            })),
        })),
        shaping: Object.fromEntries(Object.entries(DEFAULT_SHAPING).map(([key, value]) => [key, { ...value }])),
    };
}

export interface ManagementAddresses {
    /** The machine's address on the management bridge, e.g. `198.19.0.1`. */
    readonly bridge: string;
    /** Per host, in plan order, e.g. `198.19.0.10`. */
    readonly hosts: readonly string[];
    readonly prefixLength: number;
}

export function managementAddresses(plan: BenchPlan): ManagementAddresses {
    const network = mustParseCidr(plan.managementSubnet);
    return {
        bridge: nthAddress(network, 1),
        hosts: plan.hosts.map((_, index) => nthAddress(network, FIRST_HOST_MANAGEMENT_OFFSET + index)),
        prefixLength: network.prefixLength,
    };
}

function checkSubnet(path: string, text: string, maxPrefix: number, problems: BenchProblem[]): void {
    const cidr = parseCidr(text);
    const range = mustParseCidr(BENCH_ADDRESS_RANGE);
    const fits = cidr && isNetwork(cidr) && cidr.prefixLength >= 16 && cidr.prefixLength <= maxPrefix;
    if (!cidr || !fits || !contains(range, cidr.address)) {
        problems.push({ code: "BENCH_SUBNET_INVALID", path, value: text, expected: `a network /16-/${maxPrefix} inside ${BENCH_ADDRESS_RANGE}` });
    }
}

function checkShaping(plan: BenchPlan, problems: BenchProblem[]): void {
    const inRange = (value: unknown, low: number, high: number) =>
        typeof value === "number" && Number.isFinite(value) && value >= low && value <= high;
    for (const [interfaceName, spec] of Object.entries(plan.shaping ?? {})) {
        const path = `shaping.${interfaceName}`;
        if (!INTERFACE_NAME_PATTERN.test(interfaceName)) {
            problems.push({ code: "BENCH_INTERFACE_INVALID", path, value: interfaceName, expected: "an interface name" });
        }
        const valid = inRange(spec?.rateMbit, 1, 1000) && inRange(spec?.delayMs, 0, 1000) && inRange(spec?.lossPercent, 0, 99);
        if (!valid) problems.push({ code: "BENCH_SHAPING_INVALID", path, value: spec, expected: "rateMbit 1-1000, delayMs 0-1000, lossPercent 0-99" });
    }
    const bottleneck = plan.sharedBottleneckMbit;
    if (bottleneck !== undefined && (!inRange(bottleneck, 1, 1000) || plan.hosts.length < 2)) {
        problems.push({ code: "BENCH_BOTTLENECK_INVALID", path: "sharedBottleneckMbit", value: bottleneck, expected: "1-1000 Mbit/s with at least two hosts" });
    }
}

function checkHosts(plan: BenchPlan, problems: BenchProblem[]): void {
    if (!Array.isArray(plan.hosts) || plan.hosts.length < 1 || plan.hosts.length > MAX_HOSTS) {
        problems.push({ code: "BENCH_HOSTS_INVALID", path: "hosts", value: plan.hosts?.length, expected: `1 to ${MAX_HOSTS} hosts` });
        return;
    }
    const subnet = parseCidr(plan.subnet);
    const hostNames = new Set<string>();
    const addresses = new Set<number>();
    plan.hosts.forEach((host, hostIndex) => {
        const hostPath = `hosts[${hostIndex}]`;
        if (!HOST_NAME_PATTERN.test(host.name) || RESERVED_HOST_NAMES.has(host.name) || hostNames.has(host.name)) {
            problems.push({ code: "BENCH_HOST_NAME_INVALID", path: `${hostPath}.name`, value: host.name, expected: "a distinct host name" });
        }
        hostNames.add(host.name);
        const interfaces = Array.isArray(host.interfaces) ? host.interfaces : [];
        if (interfaces.length < 1 || interfaces.length > 4) {
            problems.push({ code: "BENCH_INTERFACE_INVALID", path: `${hostPath}.interfaces`, value: interfaces.length, expected: "1 to 4 interfaces" });
        }
        const interfaceNames = new Set<string>();
        interfaces.forEach((item, interfaceIndex) => {
            const path = `${hostPath}.interfaces[${interfaceIndex}]`;
            const nameOk = INTERFACE_NAME_PATTERN.test(item.name) && !RESERVED_INTERFACE_NAMES.has(item.name);
            if (!nameOk || interfaceNames.has(item.name)) {
                problems.push({ code: "BENCH_INTERFACE_INVALID", path: `${path}.name`, value: item.name, expected: "a distinct interface name other than lo and mgmt0" });
            }
            interfaceNames.add(item.name);
            const cidr = parseCidr(item.cidr);
            const inSubnet = cidr && subnet && cidr.prefixLength === subnet.prefixLength && isHostAddressOf(subnet, cidr.address);
            if (!cidr || !inSubnet || addresses.has(cidr.address)) {
                problems.push({ code: "BENCH_ADDRESS_INVALID", path: `${path}.cidr`, value: item.cidr, expected: `a distinct host address in ${plan.subnet}` });
            }
            if (cidr) addresses.add(cidr.address);
        });
    });
}

function checkNetworkManager(plan: BenchPlan, problems: BenchProblem[]): void {
    if (plan.networkManager === undefined) return;
    if (!Array.isArray(plan.networkManager)) {
        problems.push({ code: "BENCH_NETWORK_MANAGER_INVALID", path: "networkManager", value: plan.networkManager, expected: "a list of host names" });
        return;
    }
    const hostNames = new Set((Array.isArray(plan.hosts) ? plan.hosts : []).map((host) => host.name));
    const seen = new Set<string>();
    plan.networkManager.forEach((name, index) => {
        if (!hostNames.has(name) || seen.has(name)) {
            problems.push({ code: "BENCH_NETWORK_MANAGER_INVALID", path: `networkManager[${index}]`, value: name, expected: `a host of the bench, once (${[...hostNames].join(", ")})` });
        }
        seen.add(name);
    });
}

/** Every problem of the plan; an empty list means the plan is valid. */
export function findPlanProblems(plan: BenchPlan): BenchProblem[] {
    const problems: BenchProblem[] = [];
    if (typeof plan.name !== "string" || !BENCH_NAME_PATTERN.test(plan.name)) {
        problems.push({ code: "BENCH_NAME_INVALID", path: "name", value: plan.name, expected: BENCH_NAME_PATTERN.source });
    }
    if (typeof plan.suite !== "string" || !SUITE_PATTERN.test(plan.suite)) {
        problems.push({ code: "BENCH_SUITE_INVALID", path: "suite", value: plan.suite, expected: "a Debian suite name" });
    }
    checkSubnet("subnet", plan.subnet, 29, problems);
    checkSubnet("managementSubnet", plan.managementSubnet, 27, problems);
    const subnet = parseCidr(plan.subnet);
    const management = parseCidr(plan.managementSubnet);
    if (subnet && management && overlaps(subnet, management)) {
        problems.push({ code: "BENCH_SUBNET_INVALID", path: "managementSubnet", value: plan.managementSubnet, expected: `a network apart from ${plan.subnet}` });
    }
    checkHosts(plan, problems);
    checkShaping(plan, problems);
    checkNetworkManager(plan, problems);
    return problems;
}

export function assertValidPlan(plan: BenchPlan): void {
    throwIfProblems("BENCH_PLAN_INVALID", `invalid bench plan ${JSON.stringify(plan?.name)}`, findPlanProblems(plan));
}

/** A stable JSON text: equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
    const sortKeys = (item: unknown): unknown => {
        if (Array.isArray(item)) return item.map(sortKeys);
        if (item && typeof item === "object") {
            return Object.fromEntries(Object.keys(item).sort().map((key) => [key, sortKeys((item as Record<string, unknown>)[key])]));
        }
        return item;
    };
    return JSON.stringify(sortKeys(value)) ?? "";
}

export function canonicalPlan(plan: BenchPlan): string {
    return canonicalJson(plan);
}

/** The top-level fields in which two plans differ, e.g. `["subnet", "shaping"]`. */
export function planDifferences(before: BenchPlan, after: BenchPlan): string[] {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort() as (keyof BenchPlan)[];
    return keys.filter((key) => canonicalJson(before[key]) !== canonicalJson(after[key]));
}

/** The bench a lab declares, as the bench module takes it (hosts and addresses from the lab). */
export function benchPlanFromLab(lab: LabSpec): BenchPlan | undefined {
    const bench = lab.bench;
    if (!bench) return undefined;
    return {
        name: bench.name,
        subnet: bench.subnet,
        managementSubnet: bench.managementSubnet,
        suite: bench.suite,
        hosts: lab.hosts.map((host) => ({ name: host.name, interfaces: host.interfaces.map((i) => ({ name: i.name, cidr: i.cidr })) })),
        shaping: { ...bench.shaping },
        ...(bench.sharedBottleneckMbit === undefined ? {} : { sharedBottleneckMbit: bench.sharedBottleneckMbit }),
        // Absent when empty, so that a bench without NetworkManager keeps the plan it always had.
        ...(bench.networkManager.length === 0 ? {} : { networkManager: [...bench.networkManager] }),
    };
}
