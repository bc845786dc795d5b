// A stack for the drift check's unit tests: its exported state (HostState and MptcpEndpointState
// per host, the connection a secret as `pulumi stack export --show-secrets` writes it), its lab's
// declared tables, and what each host's reads return now.
import type { DriftSources } from "../../../cli/drift";
import { endpointStateType, hostStateType } from "../../../cli/provider-reads";
import type { LabSpec } from "../../../lab/types";
import type { Endpoint, Limits } from "../../../mptcp/endpoints";

export interface EndpointTable {
    endpoints: Endpoint[];
    limits: Limits;
    persist?: boolean;
    bootUnitSha256?: string;
    bootUnitEnabled?: boolean;
}

export interface FakeHost {
    name: string;
    /** The lab's table; absent for a host the lab no longer declares. */
    declared?: EndpointTable;
    /** What the HostState read returns now; absent when the state has no HostState for the host. */
    live?: { mptcpEnabled: boolean; persisted: boolean };
    bootIdAtLastUp?: string;
    bootIdNow?: string;
    /** The endpoint table read now; absent when the state has no MptcpEndpointState for the host. */
    table?: EndpointTable;
    /** Thrown by the host's reads. */
    failure?: Error;
}

const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(value) });
export const connectionOf = (host: string) => ({ address: "198.18.0.10", port: 22, user: "pi", hostKey: "ssh-ed25519 AAAA", privateKey: `key of ${host}` });

function stateOf(hosts: readonly FakeHost[]) {
    const urn = (type: string, name: string) => `urn:pulumi:t-unit::mptcp-lab::mptcp-lab:host:RaspberryPi$${type}::${name}`;
    const resource = (type: string, name: string, id: string, outputs: Record<string, unknown>) => ({ urn: urn(type, name), type, id, inputs: {}, outputs });
    return hosts.flatMap((host) => [
        ...(host.live ? [resource(hostStateType, `${host.name}-state`, `host-state/${host.name}`, { connection: secret(connectionOf(host.name)), hostName: host.name, facts: { bootId: host.bootIdAtLastUp } })] : []),
        ...(host.table ? [resource(endpointStateType, `${host.name}-endpoints-state`, `mptcp-endpoints/${host.name}`, { connection: secret(connectionOf(host.name)), hostName: host.name })] : []),
    ]);
}

/** Sources for `checkStackDrift`; `reads` collects each read's id and revealed connection. */
export function fakeSources(hosts: readonly FakeHost[], overrides: Partial<DriftSources> = {}, reads: { id: string; connection: unknown }[] = []): DriftSources {
    const byName = (recorded: Record<string, unknown>) => hosts.find((host) => host.name === recorded.hostName)!;
    const declared = hosts.filter((host) => host.declared);
    const lab = { hosts: declared.map((host) => ({ name: host.name, endpoints: host.declared!.endpoints, limits: host.declared!.limits, persist: host.declared!.persist ?? false })) } as unknown as LabSpec;
    return {
        exportState: async () => ({ deployment: { resources: stateOf(hosts) } }),
        lab: () => lab,
        async readHostState(id, recorded) {
            reads.push({ id, connection: recorded.connection });
            const host = byName(recorded);
            if (host.failure) throw host.failure;
            return { ...recorded, ...host.live, facts: { bootId: host.bootIdNow ?? host.bootIdAtLastUp } };
        },
        async readEndpointState(id, recorded) {
            reads.push({ id, connection: recorded.connection });
            const host = byName(recorded);
            if (host.failure) throw host.failure;
            const table = host.table!;
            return { ...recorded, endpoints: table.endpoints, limits: table.limits, bootUnitSha256: table.bootUnitSha256 ?? "", bootUnitEnabled: table.bootUnitEnabled ?? false };
        },
        busy: () => false,
        ...overrides,
    };
}

export const clientWlan: Endpoint = { address: "198.18.6.173", device: "wlan0", flags: ["subflow"] };
export const seedLimits: Limits = { subflows: 2, addAddrAccepted: 2 };
export const clientTable: EndpointTable = { endpoints: [clientWlan], limits: seedLimits };
