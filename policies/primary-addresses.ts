// The primary address of each host (its first interface's, which carries the first subflow), as
// far as the stack shows it: the failover test names the server's, and an emulated bench's plan
// lists every host's interfaces in order. A real host's client side is not among any inputs.
import type { PolicyResource } from "@pulumi/policy";
import { known, resourceTypes, resourcesOfType, type BenchInstanceProps, type FailoverTestRunProps } from "./resources";

export function primaryAddresses(resources: readonly PolicyResource[]): ReadonlyMap<string, string> {
    const primaries = new Map<string, string>();
    for (const bench of resourcesOfType(resources, resourceTypes.benchInstance)) {
        const hosts = known(() => (bench.props as BenchInstanceProps).plan.hosts.map((host) => ({ name: host.name, cidr: host.interfaces[0]?.cidr }))) ?? [];
        for (const host of hosts) {
            if (host.cidr !== undefined) primaries.set(host.name, host.cidr.split("/")[0]);
        }
    }
    for (const run of resourcesOfType(resources, resourceTypes.failoverTestRun)) {
        const props = run.props as FailoverTestRunProps;
        const server = known(() => props.server.name);
        const address = known(() => props.serverAddress);
        if (server !== undefined && address !== undefined) primaries.set(server, address);
    }
    return primaries;
}
