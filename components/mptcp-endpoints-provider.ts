// Dynamic provider for one host's MPTCP endpoint table and limits. Outputs are the host's live
// state, and `read` returns it as inputs too, so a refresh shows drift field by field.
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./provider-shim";
import * as model from "../mptcp/endpoints";
import type { Endpoint, Limits } from "../mptcp/endpoints";
import { HostConnection, runRemote } from "../remote/ssh";
import { scriptWithArguments, shellSafe } from "../remote/shell";


/** Bump when the provider's behaviour changes, so that an update picks the new code up. */
export const mptcpEndpointsProviderVersion = "1";

export interface MptcpEndpointsInputs {
    connection: HostConnection;
    hostName: string;
    role: "client" | "server";
    endpoints: Endpoint[];
    limits: Limits;
    providerVersion: string;
}

export interface MptcpEndpointsOutputs extends MptcpEndpointsInputs {
    /** The limits found before mptcp-lab first set them; `delete` puts them back. */
    previousLimits: Limits;
    /** iproute2 flags on managed addresses that mptcp-lab does not manage, e.g. `implicit`. */
    unmanagedFlags: Record<string, string[]>;
}

async function readLive(connection: HostConnection, hostName: string, declared: readonly Endpoint[]) {
    const declaredIds = new Set(declared.filter((e) => e.id !== undefined).map((e) => e.address));
    const result = await runRemote(connection, { host: hostName, step: "read MPTCP endpoints", script: model.readStateScript, timeoutSeconds: 60 });
    return model.parseEndpointState(result.stdout, declaredIds);
}

async function applyDesired(inputs: MptcpEndpointsInputs) {
    const live = await readLive(inputs.connection, inputs.hostName, inputs.endpoints);
    const commands = model.planEndpointCommands(live, { endpoints: inputs.endpoints, limits: inputs.limits });
    if (commands.length > 0) {
        await runRemote(inputs.connection, {
            host: inputs.hostName,
            step: "apply MPTCP endpoints",
            script: scriptWithArguments(model.commandsToScript(commands), []),
            timeoutSeconds: 60,
        });
    }
    return { before: live, after: await readLive(inputs.connection, inputs.hostName, inputs.endpoints) };
}

function liveInputs(inputs: MptcpEndpointsInputs, live: { endpoints: Endpoint[]; limits: Limits }): MptcpEndpointsInputs {
    return { ...inputs, endpoints: live.endpoints, limits: live.limits };
}

export const operations: pulumi.dynamic.ResourceProvider = {
    async check(_olds: MptcpEndpointsInputs, news: MptcpEndpointsInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        news.endpoints.forEach((endpoint, index) => {
            if (!shellSafe.ipv4.test(endpoint.address)) failures.push({ property: `endpoints[${index}].address`, reason: `${JSON.stringify(endpoint.address)} is not an IPv4 address` });
            if (!shellSafe.interfaceName.test(endpoint.device)) failures.push({ property: `endpoints[${index}].device`, reason: `${JSON.stringify(endpoint.device)} is not an interface name` });
            for (const flag of endpoint.flags) {
                if (!["subflow", "signal", "backup", "fullmesh"].includes(flag)) failures.push({ property: `endpoints[${index}].flags`, reason: `unknown flag ${JSON.stringify(flag)}` });
            }
        });
        for (const key of ["subflows", "addAddrAccepted"] as const) {
            const value = news.limits[key];
            if (!Number.isInteger(value) || value < 0 || value > 8) failures.push({ property: `limits.${key}`, reason: `${value} is outside 0..8, the kernel's range` });
        }
        return { inputs: { ...news, endpoints: failures.length ? news.endpoints : model.sortEndpoints(news.endpoints) }, failures };
    },

    async diff(_id: string, olds: MptcpEndpointsOutputs, news: MptcpEndpointsInputs) {
        const connectionChanged = JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
        const stateChanged = model.compareEndpointState(news, olds).length > 0;
        return { changes: connectionChanged || stateChanged || olds.providerVersion !== news.providerVersion };
    },

    async create(inputs: MptcpEndpointsInputs) {
        const { before, after } = await applyDesired(inputs);
        const outs: MptcpEndpointsOutputs = { ...liveInputs(inputs, after), previousLimits: before.limits, unmanagedFlags: after.unmanagedFlags };
        return { id: `mptcp-endpoints/${inputs.hostName}`, outs };
    },

    async update(_id: string, olds: MptcpEndpointsOutputs, news: MptcpEndpointsInputs) {
        const { after } = await applyDesired(news);
        const outs: MptcpEndpointsOutputs = { ...liveInputs(news, after), previousLimits: olds.previousLimits, unmanagedFlags: after.unmanagedFlags };
        return { outs };
    },

    async read(id: string, props: MptcpEndpointsOutputs) {
        const live = await readLive(props.connection, props.hostName, props.endpoints);
        const inputs = liveInputs(props, live);
        return { id, props: { ...props, ...inputs, unmanagedFlags: live.unmanagedFlags }, inputs };
    },

    async delete(_id: string, props: MptcpEndpointsOutputs) {
        try {
            const live = await readLive(props.connection, props.hostName, props.endpoints);
            const commands = model.planRemovalCommands(live, props.endpoints, props.previousLimits);
            await runRemote(props.connection, {
                host: props.hostName,
                step: "remove MPTCP endpoints",
                script: scriptWithArguments(model.commandsToScript(commands), []),
                timeoutSeconds: 60,
            });
        } catch (error) {
            // A host that no longer answers took its endpoint table with it (endpoints do not
            // survive a reboot, and an emulated host is gone with its namespace).
            if ((error as { code?: string }).code !== "ssh-connect") throw error;
        }
    },
};

/** What the engine serialises: a shim that loads `operations` from this file when called. */
export const mptcpEndpointsProvider = providerShim("components/mptcp-endpoints-provider");
