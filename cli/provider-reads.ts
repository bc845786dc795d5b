// The dynamic providers' `read`, by the resource type the state records: what a refresh runs,
// for the commands that read hosts without the engine (`drift`, the converged `up`). A provider's
// module loads when its type is first read.
type Properties = Record<string, unknown>;

export type ProviderRead = (id: string, props: Properties) => Promise<{ props?: Properties }>;

export const hostStateType = "pulumi-nodejs:dynamic/mptcp-lab:HostState";
export const endpointStateType = "pulumi-nodejs:dynamic/mptcp-lab:MptcpEndpointState";

/** Resources whose provider reads something that can change (a bench, a mirror, a host). */
export const PROVIDER_READS: Readonly<Record<string, () => ProviderRead>> = {
    "pulumi-nodejs:dynamic/mptcp-lab:BenchInstance": () => require("../components/emulated-bench-provider").operations.read,
    "pulumi-nodejs:dynamic/mptcp-lab:RepositoryMirror": () => require("../components/repository-mirror-provider").operations.read,
    [hostStateType]: () => require("../components/host-state-provider").operations.read,
    [endpointStateType]: () => require("../components/mptcp-endpoints-provider").operations.read,
};

/** The outputs a refresh would record now for a resource of `type`. */
export async function readLive(type: string, id: string, recorded: Properties): Promise<Properties> {
    return (await PROVIDER_READS[type]()(id, recorded)).props ?? {};
}
