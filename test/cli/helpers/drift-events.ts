// Engine events as a refresh preview emits them, for the drift report's unit tests: the refresh
// step of a HostState (boot ids before and after) and the step that follows for each resource
// (the program's inputs against the refreshed outputs).
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { endpointStateType, hostStateType } from "../../../cli/drift-events";
import type { Endpoint, Limits } from "../../../mptcp/endpoints";

type Properties = Record<string, unknown>;

function urnOf(type: string, name: string): string {
    return `urn:pulumi:t-unit::mptcp-lab::mptcp-lab:host:RaspberryPi$${type}::${name}`;
}

function state(type: string, name: string, inputs: Properties, outputs: Properties) {
    return { type, urn: urnOf(type, name), id: name, parent: "", provider: "", inputs, outputs };
}

/** The refresh of a host's HostState: the boot id recorded at the last up, and the one read now. */
export function hostRefresh(host: string, bootIdAtLastUp: string, bootIdNow: string): EngineEvent {
    const name = `${host}-state`;
    const before = { hostName: host, mptcpEnabled: true, persisted: true, facts: { bootId: bootIdAtLastUp } };
    const after = { ...before, facts: { bootId: bootIdNow } };
    return {
        sequence: 0,
        timestamp: 0,
        resOutputsEvent: {
            metadata: { op: "refresh", urn: urnOf(hostStateType, name), type: hostStateType, provider: "", old: state(hostStateType, name, {}, before), new: state(hostStateType, name, {}, after) },
        },
    };
}

function step(type: string, name: string, op: OpType, expected: Properties, actual: Properties | undefined): EngineEvent {
    return {
        sequence: 0,
        timestamp: 0,
        resourcePreEvent: {
            metadata: {
                op,
                urn: urnOf(type, name),
                type,
                provider: "",
                ...(actual === undefined ? {} : { old: state(type, name, actual, actual) }),
                new: state(type, name, expected, {}),
            },
        },
    };
}

/** The step of a host's HostState: MPTCP and the sysctl.d file as the host has them. */
export function hostStep(host: string, live: { mptcpEnabled: boolean; persisted: boolean }, op: OpType = "same"): EngineEvent {
    return step(hostStateType, `${host}-state`, op, { hostName: host, mptcpEnabled: true, persisted: true }, { hostName: host, ...live, facts: {} });
}

export interface EndpointTable {
    endpoints: Endpoint[];
    limits: Limits;
    persist?: boolean;
    bootUnitSha256?: string;
    bootUnitEnabled?: boolean;
}

/** The step of a host's MptcpEndpointState: the declared table against the live one. */
export function endpointStep(host: string, declared: EndpointTable, live: EndpointTable | undefined, op: OpType = "same"): EngineEvent {
    const expected = { hostName: host, endpoints: declared.endpoints, limits: declared.limits, persist: declared.persist ?? false };
    const actual = live && { hostName: host, endpoints: live.endpoints, limits: live.limits, bootUnitSha256: live.bootUnitSha256 ?? "", bootUnitEnabled: live.bootUnitEnabled ?? false };
    return step(endpointStateType, `${host}-endpoints-state`, op, expected, actual);
}

/** An error the engine reports for a resource (or for the whole update, without a URN). */
export function engineError(message: string, resource?: string): EngineEvent {
    return { sequence: 0, timestamp: 0, diagnosticEvent: { message: `${message}\n`, color: "never", severity: "error", ...(resource ? { urn: resource } : {}) } };
}

export const clientWlan: Endpoint = { address: "198.18.6.173", device: "wlan0", flags: ["subflow"] };
export const seedLimits: Limits = { subflows: 2, addAddrAccepted: 2 };
export const clientTable: EndpointTable = { endpoints: [clientWlan], limits: seedLimits };
