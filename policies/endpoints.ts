// MPTCP endpoints and limits: flags that suit each host's part in the protocol, and limits large
// enough for what the endpoints of both hosts ask.
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { hintFor, showValue } from "../lab/errors";
import { endpointFlagFor, extraAddressesWith, flagsFollowRole, limitsNeeded, roleFlags } from "../lab/rules";
import { primaryAddresses } from "./primary-addresses";
import { forTypes, known, resourceTypes, resourcesOfType, violation, type MptcpEndpointStateProps } from "./resources";

/** A plain copy of an endpoint state's inputs; undefined while a preview does not know them all. */
function readEndpointState(props: MptcpEndpointStateProps): MptcpEndpointStateProps | undefined {
    return known(() => ({
        hostName: props.hostName,
        role: props.role,
        endpoints: props.endpoints.map((endpoint) => ({ address: endpoint.address, device: endpoint.device, flags: [...endpoint.flags] })),
        limits: { subflows: props.limits.subflows, addAddrAccepted: props.limits.addAddrAccepted },
    }));
}

export const endpointRolesFollowProtocol: ResourceValidationPolicy = {
    name: "endpoint-roles-follow-protocol",
    description: "The server announces its extra addresses (signal endpoints) and the client opens subflows from its own (subflow endpoints).",
    enforcementLevel: "advisory",
    validateResource: forTypes([resourceTypes.mptcpEndpointState], (args, reportViolation) => {
        const state = readEndpointState(args.props as MptcpEndpointStateProps);
        if (state === undefined) return;
        const { hostName, role, endpoints } = state;
        const { wanted, unwanted } = roleFlags(role);
        for (const endpoint of endpoints.filter((candidate) => !flagsFollowRole(role, candidate.flags))) {
            reportViolation(
                violation({
                    found: `endpoint ${endpoint.address} (${endpoint.device}) on host ${hostName} (role ${role}) has flags ${showValue(endpoint.flags)}`,
                    expected: `${wanted} (without ${unwanted}) on a ${role}`,
                    fix: hintFor("endpoint-role-flags"),
                }),
            );
        }
    }),
};

interface EndpointHost {
    readonly urn: string;
    readonly props: MptcpEndpointStateProps;
}

function endpointHosts(resources: readonly PolicyResource[]): EndpointHost[] {
    return resourcesOfType(resources, resourceTypes.mptcpEndpointState).flatMap((resource) => {
        const props = readEndpointState(resource.props as MptcpEndpointStateProps);
        return props === undefined ? [] : [{ urn: resource.urn, props }];
    });
}

export const limitsCoverEndpoints: StackValidationPolicy = {
    name: "limits-cover-endpoints",
    description: "Each host's MPTCP limits allow the subflows and address announcements its endpoints and its peer's endpoints ask for.",
    enforcementLevel: "mandatory",
    // A stack policy: what the client needs depends on the server's endpoints, and the other way round.
    validateStack: (args, reportViolation) => {
        const hosts = endpointHosts(args.resources);
        const primaries = primaryAddresses(args.resources);
        const count = (role: "client" | "server") =>
            hosts.filter((host) => host.props.role === role).reduce((sum, host) => sum + extraAddressesWith(host.props.endpoints, endpointFlagFor(role), primaries.get(host.props.hostName)), 0);
        const subflows = count("client");
        const announced = count("server");
        const subflowReason = `for ${subflows} subflow endpoint address(es) on the client and ${announced} signal endpoint address(es) on the server`;
        const announcementReason = `for ${announced} signal endpoint address(es) on the server`;
        for (const host of hosts) {
            const needs = limitsNeeded(host.props.role, subflows, announced);
            for (const limit of ["subflows", "addAddrAccepted"] as const) {
                const value = host.props.limits[limit];
                if (value >= needs[limit]) continue;
                reportViolation(
                    violation({
                        found: `limits.${limit} ${value} on host ${host.props.hostName} (role ${host.props.role}) is below ${needs[limit]}`,
                        expected: `at least ${needs[limit]}, ${limit === "subflows" ? subflowReason : announcementReason}`,
                        fix: hintFor("limits-too-small"),
                    }),
                    host.urn,
                );
            }
        }
    },
};

export const endpointPolicies = [endpointRolesFollowProtocol, limitsCoverEndpoints];
