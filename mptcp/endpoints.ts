// The MPTCP endpoint table and limits of one host: reading them from iproute2's output, comparing
// them with what the lab declares, and the exact `ip mptcp` commands that turn one into the other.
import { requireSafe, shellCommand, shellSafe } from "../remote/shell";

import type { EndpointFlag } from "../lab/types";

export type { EndpointFlag };
export const knownFlags: readonly EndpointFlag[] = ["subflow", "signal", "backup", "fullmesh"];

export interface Endpoint {
    address: string;
    device: string;
    /** Sorted, so that two endpoints compare by value. */
    flags: EndpointFlag[];
    /** Kept only where the lab declares an id; the kernel assigns the others. */
    id?: number;
}

export interface Limits {
    subflows: number;
    addAddrAccepted: number;
}

export interface EndpointState {
    endpoints: Endpoint[];
    limits: Limits;
    /** Flags iproute2 reported that mptcp-lab does not manage (e.g. `implicit`), by address. */
    unmanagedFlags: Record<string, string[]>;
}

/** What a host reports, with the kernel's id of each endpoint by address (deletes go by id). */
export type LiveEndpointState = EndpointState & { ids: Record<string, number> };

/** Prints the endpoint table as JSON, a separator, then the limits (iproute2 6.1 prints them as text). */
export const readStateScript = "ip -j mptcp endpoint show\necho '--- limits'\nip mptcp limits show\n";

export function normaliseEndpoint(endpoint: Endpoint): Endpoint {
    const flags = [...new Set(endpoint.flags)].sort() as EndpointFlag[];
    return endpoint.id === undefined
        ? { address: endpoint.address, device: endpoint.device, flags }
        : { address: endpoint.address, device: endpoint.device, flags, id: endpoint.id };
}

export function sortEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
    return endpoints.map(normaliseEndpoint).sort((a, b) => a.address.localeCompare(b.address, "en", { numeric: true }));
}

interface RawEndpoint {
    address: string;
    id: number;
    dev?: string;
    [flag: string]: unknown;
}

/** Parses `readStateScript`'s output. `declaredIds` lists the addresses whose id the lab pins. */
export function parseEndpointState(output: string, declaredIds: ReadonlySet<string> = new Set()): LiveEndpointState {
    const [endpointPart, limitsPart = ""] = output.split("--- limits");
    const raw = JSON.parse(endpointPart.trim() || "[]") as RawEndpoint[];
    const ids: Record<string, number> = {};
    const unmanagedFlags: Record<string, string[]> = {};
    const endpoints = raw.map((entry) => {
        ids[entry.address] = entry.id;
        const flags = knownFlags.filter((flag) => entry[flag] === true);
        const others = Object.keys(entry).filter((key) => entry[key] === true && !knownFlags.includes(key as EndpointFlag));
        if (others.length > 0) unmanagedFlags[entry.address] = others.sort();
        const endpoint: Endpoint = { address: entry.address, device: entry.dev ?? "", flags };
        return declaredIds.has(entry.address) ? { ...endpoint, id: entry.id } : endpoint;
    });
    return { endpoints: sortEndpoints(endpoints), limits: parseLimits(limitsPart), unmanagedFlags, ids };
}

/** Parses `ip mptcp limits show` text such as `add_addr_accepted 0 subflows 2`. */
export function parseLimits(text: string): Limits {
    const value = (name: string) => {
        const match = new RegExp(`\\b${name}\\s+(\\d+)`).exec(text);
        if (!match) throw new Error(`no "${name}" in the output of ip mptcp limits show: ${JSON.stringify(text.trim())}`);
        return Number(match[1]);
    };
    return { subflows: value("subflows"), addAddrAccepted: value("add_addr_accepted") };
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
    const left = normaliseEndpoint(a);
    const right = normaliseEndpoint(b);
    return (
        left.address === right.address &&
        left.device === right.device &&
        left.flags.join(",") === right.flags.join(",") &&
        (left.id === undefined || right.id === undefined || left.id === right.id)
    );
}

/** One field that differs between what the lab declares and what the host has. */
export interface EndpointDifference {
    field: string;
    expected: string;
    actual: string;
}

const describe = (endpoint: Endpoint | undefined) =>
    endpoint ? `${endpoint.address} dev ${endpoint.device} ${endpoint.flags.join(" ")}${endpoint.id === undefined ? "" : ` id ${endpoint.id}`}` : "absent";

/** Field by field: an endpoint per address, then the two limits. Empty when the host matches. */
export function compareEndpointState(expected: Pick<EndpointState, "endpoints" | "limits">, actual: Pick<EndpointState, "endpoints" | "limits">): EndpointDifference[] {
    const differences: EndpointDifference[] = [];
    const addresses = [...new Set([...expected.endpoints, ...actual.endpoints].map((e) => e.address))].sort();
    for (const address of addresses) {
        const want = expected.endpoints.find((e) => e.address === address);
        const have = actual.endpoints.find((e) => e.address === address);
        if (!want || !have) {
            differences.push({ field: `endpoints[${address}]`, expected: describe(want), actual: describe(have) });
            continue;
        }
        if (sameEndpoint(want, have)) continue;
        if (want.device !== have.device) {
            differences.push({ field: `endpoints[${address}].device`, expected: want.device, actual: have.device });
        }
        if (want.flags.join(" ") !== have.flags.join(" ")) {
            differences.push({ field: `endpoints[${address}].flags`, expected: want.flags.join(" "), actual: have.flags.join(" ") });
        }
        if (want.id !== undefined && have.id !== undefined && want.id !== have.id) {
            differences.push({ field: `endpoints[${address}].id`, expected: String(want.id), actual: String(have.id) });
        }
    }
    for (const key of ["subflows", "addAddrAccepted"] as const) {
        if (expected.limits[key] !== actual.limits[key]) {
            differences.push({ field: `limits.${key}`, expected: String(expected.limits[key]), actual: String(actual.limits[key]) });
        }
    }
    return differences;
}

function endpointAddCommand(endpoint: Endpoint): string[] {
    requireSafe("endpoint address", endpoint.address, shellSafe.ipv4);
    requireSafe("endpoint device", endpoint.device, shellSafe.interfaceName);
    const id = endpoint.id === undefined ? [] : ["id", String(endpoint.id)];
    return ["ip", "mptcp", "endpoint", "add", endpoint.address, "dev", endpoint.device, ...id, ...endpoint.flags];
}

function endpointDeleteCommand(live: LiveEndpointState, endpoint: Endpoint): string[] {
    return ["ip", "mptcp", "endpoint", "delete", "id", String(live.ids[endpoint.address])];
}

function limitsSetCommand(limits: Limits): string[] {
    return ["ip", "mptcp", "limits", "set", "subflows", String(limits.subflows), "add_addr_accepted", String(limits.addAddrAccepted)];
}

/**
 * The commands that turn `live` into exactly `desired`: endpoints that already match are left alone
 * (their subflows keep running), the others are deleted by id and added as declared.
 */
export function planEndpointCommands(live: LiveEndpointState, desired: Pick<EndpointState, "endpoints" | "limits">): string[][] {
    const commands: string[][] = [];
    const keep = (endpoint: Endpoint) => desired.endpoints.some((want) => sameEndpoint(want, endpoint));
    for (const endpoint of live.endpoints) {
        if (!keep(endpoint)) commands.push(endpointDeleteCommand(live, endpoint));
    }
    for (const endpoint of desired.endpoints) {
        if (!live.endpoints.some((have) => sameEndpoint(endpoint, have))) commands.push(endpointAddCommand(normaliseEndpoint(endpoint)));
    }
    const { subflows, addAddrAccepted } = desired.limits;
    if (live.limits.subflows !== subflows || live.limits.addAddrAccepted !== addAddrAccepted) {
        commands.push(limitsSetCommand(desired.limits));
    }
    return commands;
}

/** The commands that remove what mptcp-lab added and put the limits back as they were before. */
export function planRemovalCommands(live: LiveEndpointState, added: readonly Endpoint[], previousLimits: Limits): string[][] {
    const commands = live.endpoints
        .filter((endpoint) => added.some((mine) => mine.address === endpoint.address))
        .map((endpoint) => endpointDeleteCommand(live, endpoint));
    commands.push(limitsSetCommand(previousLimits));
    return commands;
}

/** Joins argv lists into script lines; every word is quoted. */
export function commandsToScript(commands: readonly string[][]): string {
    return commands.map(shellCommand).join("\n") + "\n";
}
