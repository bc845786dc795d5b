// Dynamic provider for one host's MPTCP endpoint table and limits, and with `persist` the boot
// unit that re-applies them. Outputs are the host's live state, and `read` returns it as inputs
// too, so a refresh shows drift field by field; the unit shows up as its hash.
import type * as pulumi from "@pulumi/pulumi";
import { codedOperations } from "./provider-shim";
import * as unit from "./mptcp-boot-unit";
import { RANGE_RULES, VALUE_RULES, withinRange } from "../lab/value-rules";
import * as model from "../mptcp/endpoints";
import type { Endpoint, Limits } from "../mptcp/endpoints";
import { assertSoleEndpointManager, parseManagerProbe, readManagersScript } from "../remote/endpoint-managers";
import { HostConnection, RemoteStepError, runRemote } from "../remote/ssh";
import { parseKeyValues, scriptWithArguments } from "../remote/shell";

export interface MptcpEndpointsInputs {
    connection: HostConnection;
    hostName: string;
    role: "client" | "server";
    endpoints: Endpoint[];
    limits: Limits;
    /** Install the boot unit; after `read`, whether the host has one. */
    persist: boolean;
    providerVersion: string;
}

export interface MptcpEndpointsOutputs extends MptcpEndpointsInputs {
    /** The limits found before mptcp-lab first set them; `delete` puts them back. */
    previousLimits: Limits;
    /** iproute2 flags on managed addresses that mptcp-lab does not manage, e.g. `implicit`. */
    unmanagedFlags: Record<string, string[]>;
    /** sha256 of the host's boot unit file, "" when it has none. */
    bootUnitSha256: string;
    bootUnitEnabled: boolean;
}

const unitArguments = [unit.bootUnitPath, unit.bootUnitWantsLink];

/**
 * Endpoints, limits, the boot unit and the other managers of the endpoint table, in one SSH round
 * trip. With `preflight` (every operation but delete), another manager stops the operation:
 * SecondEndpointManagerError names it and the way to make it leave MPTCP alone.
 */
async function readLive(connection: HostConnection, hostName: string, declared: readonly Endpoint[], preflight = true) {
    const declaredIds = new Set(declared.filter((e) => e.id !== undefined).map((e) => e.address));
    const script = scriptWithArguments(`${model.readStateScript}echo '--- boot unit'\n${unit.readBootUnitScript}${readManagersScript}`, unitArguments);
    const result = await runRemote(connection, { host: hostName, step: "read MPTCP endpoints", script, timeoutSeconds: 60, readOnly: true });
    const [endpointPart, rest = ""] = result.stdout.split("--- boot unit\n");
    const [unitPart, managerPart = ""] = rest.split("--- endpoint managers\n");
    if (preflight) assertSoleEndpointManager(hostName, parseManagerProbe(managerPart));
    return { ...model.parseEndpointState(endpointPart, declaredIds), bootUnit: unit.parseBootUnitState(parseKeyValues(unitPart)) };
}

type LiveState = Awaited<ReturnType<typeof readLive>>;

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
    if (!unit.sameBootUnit(live.bootUnit, unit.expectedBootUnit(inputs))) {
        const [step, script] = inputs.persist
            ? ["install the MPTCP boot unit", scriptWithArguments(unit.installBootUnitScript, [...unitArguments, unit.renderBootUnit(inputs)])]
            : ["remove the MPTCP boot unit", scriptWithArguments(unit.removeBootUnitScript, unitArguments)];
        await runRemote(inputs.connection, { host: inputs.hostName, step, script, timeoutSeconds: 60 });
    }
    return { before: live, after: await readLive(inputs.connection, inputs.hostName, inputs.endpoints) };
}

/** The inputs as the host has them: what `read` returns, and what outputs repeat. */
function liveInputs(inputs: MptcpEndpointsInputs, live: LiveState): MptcpEndpointsInputs {
    return {
        connection: inputs.connection,
        hostName: inputs.hostName,
        role: inputs.role,
        endpoints: live.endpoints,
        limits: live.limits,
        persist: live.bootUnit.sha256 !== "",
        providerVersion: inputs.providerVersion,
    };
}

function liveOutputs(inputs: MptcpEndpointsInputs, live: LiveState, previousLimits: Limits): MptcpEndpointsOutputs {
    return { ...liveInputs(inputs, live), previousLimits, unmanagedFlags: live.unmanagedFlags, bootUnitSha256: live.bootUnit.sha256, bootUnitEnabled: live.bootUnit.enabled };
}

// The engine loads this through a shim; its version, bumped when its behaviour changes, is in ./providers.ts.
export const operations: pulumi.dynamic.ResourceProvider = codedOperations({
    async check(_olds: MptcpEndpointsInputs, news: MptcpEndpointsInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        news.endpoints.forEach((endpoint, index) => {
            for (const [field, rule] of [["address", VALUE_RULES.ipv4], ["device", VALUE_RULES.interfaceName]] as const) {
                if (!rule.pattern.test(endpoint[field])) failures.push({ property: `endpoints[${index}].${field}`, reason: `${JSON.stringify(endpoint[field])} is not ${rule.description}` });
            }
            for (const flag of endpoint.flags) {
                if (!model.knownFlags.includes(flag)) failures.push({ property: `endpoints[${index}].flags`, reason: `unknown flag ${JSON.stringify(flag)}` });
            }
        });
        for (const key of ["subflows", "addAddrAccepted"] as const) {
            const value = news.limits[key];
            if (!withinRange(RANGE_RULES.mptcpLimit, value)) failures.push({ property: `limits.${key}`, reason: `${value} is not ${RANGE_RULES.mptcpLimit.description}` });
        }
        if (typeof news.persist !== "boolean") failures.push({ property: "persist", reason: `${JSON.stringify(news.persist)} is not true or false` });
        return { inputs: { ...news, endpoints: failures.length ? news.endpoints : model.sortEndpoints(news.endpoints) }, failures };
    },

    async diff(_id: string, olds: MptcpEndpointsOutputs, news: MptcpEndpointsInputs) {
        const connectionChanged = JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
        const stateChanged = model.compareEndpointState(news, olds).length > 0;
        const unitChanged = !unit.sameBootUnit({ sha256: olds.bootUnitSha256, enabled: olds.bootUnitEnabled }, unit.expectedBootUnit(news));
        return { changes: connectionChanged || stateChanged || unitChanged || olds.providerVersion !== news.providerVersion };
    },

    async create(inputs: MptcpEndpointsInputs) {
        const { before, after } = await applyDesired(inputs);
        return { id: `mptcp-endpoints/${inputs.hostName}`, outs: liveOutputs(inputs, after, before.limits) };
    },

    async update(_id: string, olds: MptcpEndpointsOutputs, news: MptcpEndpointsInputs) {
        const { after } = await applyDesired(news);
        return { outs: liveOutputs(news, after, olds.previousLimits) };
    },

    async read(id: string, props: MptcpEndpointsOutputs) {
        const live = await readLive(props.connection, props.hostName, props.endpoints);
        return { id, props: liveOutputs(props, live, props.previousLimits), inputs: liveInputs(props, live) };
    },

    async delete(_id: string, props: MptcpEndpointsOutputs) {
        try {
            // No preflight: removing what mptcp-lab set is right whoever else writes the table.
            const live = await readLive(props.connection, props.hostName, props.endpoints, false);
            const commands = model.planRemovalCommands(live, props.endpoints, props.previousLimits);
            await runRemote(props.connection, {
                host: props.hostName,
                step: "remove MPTCP endpoints",
                script: scriptWithArguments(`${model.commandsToScript(commands)}${unit.removeBootUnitScript}`, unitArguments),
                timeoutSeconds: 60,
            });
        } catch (error) {
            // A host that no longer answers took its endpoint table with it (endpoints do not
            // survive a reboot, and an emulated host is gone with its namespace).
            if (!(error instanceof RemoteStepError && error.code === "ssh-connect")) throw error;
        }
    },
});
