// Semantic checks on the hosts: roles, connections, addresses, MPTCP endpoints and limits.
import { labProblem, showValue, type LabProblem } from "./errors";
import { isReservedInPrefix, parseCidr } from "./ipv4";
import type { Locate } from "./locate";
import { extraAddressesWith, flagsFollowRole, limitsNeeded, roleFlags } from "./rules";
import type { LabPath } from "./source-map";
import type { EndpointFlag, EndpointSpec, HostSpec, LabSpec } from "./types";

const hostPath = (host: HostSpec, ...rest: LabPath): LabPath => ["hosts", host.name, ...rest];

export function checkRoleCount(lab: LabSpec, locate: Locate): LabProblem[] {
    const problems: LabProblem[] = [];
    for (const role of ["client", "server"] as const) {
        const holders = lab.hosts.filter((host) => host.role === role);
        if (holders.length === 0) {
            const seen = lab.hosts.map((host) => `${host.name}: ${host.role}`).join(", ");
            problems.push(labProblem("role-count", locate(["hosts"], "key"), { message: `no host has role ${role} (${seen})`, expected: `one host with role ${role}` }));
        }
        for (const extra of holders.slice(1)) {
            problems.push(
                labProblem("role-count", locate(hostPath(extra, "role")), {
                    message: `${extra.name} is a second ${role} after ${holders[0].name}`,
                    value: role,
                    expected: `exactly one ${role}`,
                }),
            );
        }
    }
    return problems;
}

export function checkConnections(lab: LabSpec, locate: Locate): LabProblem[] {
    return lab.hosts.flatMap((host) => {
        if (lab.bench && host.connection) {
            return [labProblem("connection-with-bench", locate(hostPath(host, "connection"), "key"), { message: `host ${host.name} has a connection on an emulated bench`, value: host.connection.address, expected: "no connection with a bench" })];
        }
        if (!lab.bench && !host.connection) {
            return [labProblem("connection-missing", locate(hostPath(host, "connection"), "key"), { message: `host ${host.name} has no connection and the lab has no bench`, expected: "a connection (address, user, hostKey)" })];
        }
        return [];
    });
}

/** Every address belongs to one interface; a host's connection may use one of its own addresses. */
export function checkUniqueAddresses(lab: LabSpec, locate: Locate): LabProblem[] {
    const owners = new Map<string, { readonly host: string; readonly path: LabPath }>();
    const problems: LabProblem[] = [];
    const claim = (host: HostSpec, address: string, path: LabPath, sharedWithOwnInterfaces: boolean) => {
        const owner = owners.get(address);
        if (!owner) {
            owners.set(address, { host: host.name, path });
            return;
        }
        if (sharedWithOwnInterfaces && owner.host === host.name) return;
        const first = locate(owner.path);
        problems.push(
            labProblem("duplicate-address", locate(path), {
                message: `${address} is already used by ${first.path} (line ${first.line})`,
                value: address,
                expected: "an address used nowhere else in the lab",
            }),
        );
    };
    for (const host of lab.hosts) {
        for (const entry of host.interfaces) claim(host, entry.address, hostPath(host, "interfaces", entry.name), false);
        if (host.connection) claim(host, host.connection.address, hostPath(host, "connection", "address"), true);
    }
    return problems;
}

export function checkInterfaceAddresses(lab: LabSpec, locate: Locate): LabProblem[] {
    return lab.hosts.flatMap((host) =>
        host.interfaces
            .filter((entry) => {
                const { address, prefix } = parseCidr(entry.cidr);
                return isReservedInPrefix(address, prefix.length);
            })
            .map((entry) =>
                labProblem("interface-address-reserved", locate(hostPath(host, "interfaces", entry.name)), {
                    message: `${entry.cidr} is the network or broadcast address of its prefix`,
                    value: entry.cidr,
                    expected: "a host address inside the prefix",
                }),
            ),
    );
}

export function checkEndpoints(lab: LabSpec, locate: Locate): LabProblem[] {
    return lab.hosts.flatMap((host) => host.endpoints.flatMap((endpoint, index) => endpointProblems(host, endpoint, index, locate)));
}

function endpointProblems(host: HostSpec, endpoint: EndpointSpec, index: number, locate: Locate): LabProblem[] {
    const at = (...rest: LabPath) => locate(hostPath(host, "endpoints", index, ...rest));
    const problems: LabProblem[] = [];
    const holder = host.interfaces.find((entry) => entry.address === endpoint.address);
    const device = host.interfaces.find((entry) => entry.name === endpoint.device);
    const names = host.interfaces.map((entry) => entry.name).join(", ");
    if (!holder) {
        const addresses = host.interfaces.map((entry) => entry.address).join(", ");
        problems.push(labProblem("endpoint-foreign-address", at("address"), { message: `${endpoint.address} is not an address of host ${host.name}`, value: endpoint.address, expected: `one of ${addresses}` }));
    }
    if (!device) {
        problems.push(labProblem("unknown-interface", at("device"), { message: `host ${host.name} has no interface ${showValue(endpoint.device)}`, value: endpoint.device, expected: `one of ${names}` }));
    } else if (holder && holder !== device) {
        problems.push(labProblem("endpoint-device-mismatch", at("device"), { message: `${endpoint.address} is on ${holder.name}, not ${device.name}`, value: endpoint.device, expected: holder.name }));
    }
    const earlier = host.endpoints.slice(0, index);
    if (earlier.some((other) => other.address === endpoint.address)) {
        problems.push(labProblem("duplicate-endpoint", at("address"), { message: `${endpoint.address} already has an endpoint on host ${host.name}`, value: endpoint.address, expected: "one endpoint per address" }));
    }
    if (endpoint.id !== undefined && earlier.some((other) => other.id === endpoint.id)) {
        problems.push(labProblem("duplicate-endpoint", at("id"), { message: `endpoint id ${endpoint.id} is used twice on host ${host.name}`, value: endpoint.id, expected: "a unique id" }));
    }
    if (endpoint.flags.includes("signal") && endpoint.flags.includes("fullmesh")) {
        problems.push(labProblem("endpoint-flags-conflict", at("flags"), { message: "signal and fullmesh together", value: endpoint.flags, expected: "signal or fullmesh, not both" }));
    }
    if (!flagsFollowRole(host.role, endpoint.flags)) {
        const { wanted, unwanted } = roleFlags(host.role);
        problems.push(
            labProblem("endpoint-role-flags", at("flags"), {
                message: `flags ${endpoint.flags.join(", ")} on an endpoint of ${host.role} host ${host.name}`,
                value: endpoint.flags,
                expected: `${wanted} (without ${unwanted}) on a ${host.role}`,
            }),
        );
    }
    return problems;
}

/** Addresses other than the host's primary one that carry `flag`. */
function extraAddresses(host: HostSpec, flag: EndpointFlag): number {
    return extraAddressesWith(host.endpoints, flag, host.interfaces[0]?.address);
}

export function checkLimits(lab: LabSpec, locate: Locate): LabProblem[] {
    const client = lab.hosts.find((host) => host.role === "client");
    const server = lab.hosts.find((host) => host.role === "server");
    if (!client || !server) return [];
    const subflows = extraAddresses(client, "subflow");
    const announced = extraAddresses(server, "signal");
    const clientNeeds = limitsNeeded("client", subflows, announced);
    const serverNeeds = limitsNeeded("server", subflows, announced);
    const why = `${subflows} subflow endpoint(s) on ${client.name} + ${announced} signal endpoint(s) on ${server.name}`;
    const problems: LabProblem[] = [];
    const demand = (host: HostSpec, limit: "subflows" | "addAddrAccepted", atLeast: number, reason: string) => {
        const value = host.limits[limit];
        if (value >= atLeast) return;
        problems.push(labProblem("limits-too-small", locate(hostPath(host, "limits", limit)), { message: `${limit} ${value} on ${host.name} is below ${atLeast}`, value, expected: `at least ${atLeast} (${reason})` }));
    };
    demand(client, "subflows", clientNeeds.subflows, why);
    demand(server, "subflows", serverNeeds.subflows, `${server.name} accepts every subflow ${client.name} opens: ${why}`);
    demand(client, "addAddrAccepted", clientNeeds.addAddrAccepted, `${announced} signal endpoint(s) on ${server.name}`);
    return problems;
}
