// Drift from the engine events of a refresh preview. For each host's HostState and
// MptcpEndpointState, the step that follows the refresh carries what the stack expects (the
// program's inputs, `new.inputs`) and what the host has (the refreshed outputs, `old.outputs`);
// the refresh step of HostState carries the boot id at the last `up` (`old`) and now (`new`).
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { expectedBootUnit } from "../components/mptcp-boot-unit";
import { compareEndpointState } from "../mptcp/endpoints";
import type { Endpoint, Limits } from "../mptcp/endpoints";
import { checkError, failedStack, type FieldDrift, type HostDrift, type StackDrift } from "./drift-report";

export const hostStateType = "pulumi-nodejs:dynamic/mptcp-lab:HostState";
export const endpointStateType = "pulumi-nodejs:dynamic/mptcp-lab:MptcpEndpointState";

/** Target patterns that limit the refresh preview to the resources a drift check reads. */
export function driftTargets(stackName: string): string[] {
    return [hostStateType, endpointStateType].map((type) => `urn:pulumi:${stackName}::**$${type}::*`);
}

type Properties = Record<string, unknown>;

interface HostObservation {
    bootIdAtLastUp?: string;
    bootIdNow?: string;
    drift: FieldDrift[];
    checked: boolean;
}

const bootIdOf = (outputs: Properties | undefined) => (outputs?.facts as { bootId?: unknown } | undefined)?.bootId;

function hostStateDrift(expected: Properties, actual: Properties): FieldDrift[] {
    const drift: FieldDrift[] = [];
    const flag = (value: unknown) => (value === true ? "1" : "0");
    if (actual.mptcpEnabled !== true) drift.push({ resource: "HostState", field: "net.mptcp.enabled", expected: flag(expected.mptcpEnabled ?? true), actual: flag(actual.mptcpEnabled) });
    if (actual.persisted !== true) drift.push({ resource: "HostState", field: "sysctl.d file", expected: "as mptcp-lab writes it", actual: "missing or changed" });
    return drift;
}

const unitText = (sha256: string) => (sha256 === "" ? "absent" : `sha256:${sha256.slice(0, 12)}`);
const yesNo = (value: boolean) => (value ? "yes" : "no");

function endpointStateDrift(expected: Properties, actual: Properties): FieldDrift[] {
    const want = { endpoints: expected.endpoints as Endpoint[], limits: expected.limits as Limits };
    const have = { endpoints: actual.endpoints as Endpoint[], limits: actual.limits as Limits };
    const drift: FieldDrift[] = compareEndpointState(want, have).map((difference) => ({ resource: "MptcpEndpointState", ...difference }));
    const unit = expectedBootUnit({ ...want, persist: expected.persist === true });
    const liveSha256 = typeof actual.bootUnitSha256 === "string" ? actual.bootUnitSha256 : "";
    if (unit.sha256 !== liveSha256) drift.push({ resource: "MptcpEndpointState", field: "bootUnit", expected: unitText(unit.sha256), actual: unitText(liveSha256) });
    else if (unit.enabled !== (actual.bootUnitEnabled === true)) {
        drift.push({ resource: "MptcpEndpointState", field: "bootUnit.enabled", expected: yesNo(unit.enabled), actual: yesNo(actual.bootUnitEnabled === true) });
    }
    return drift;
}

function hostNameOf(metadata: StepEventMetadata): string | undefined {
    const name = metadata.new?.outputs?.hostName ?? metadata.new?.inputs?.hostName ?? metadata.old?.outputs?.hostName;
    return typeof name === "string" ? name : undefined;
}

function observe(hosts: Map<string, HostObservation>, name: string): HostObservation {
    let host = hosts.get(name);
    if (!host) hosts.set(name, (host = { drift: [], checked: false }));
    return host;
}

/** Records what one event says about a host; events of other resources are ignored. */
function record(hosts: Map<string, HostObservation>, event: EngineEvent): void {
    const refreshed = event.resOutputsEvent?.metadata;
    if (refreshed?.op === "refresh" && refreshed.type === hostStateType) {
        const name = hostNameOf(refreshed);
        if (!name) return;
        const host = observe(hosts, name);
        const [before, after] = [bootIdOf(refreshed.old?.outputs), bootIdOf(refreshed.new?.outputs)];
        if (typeof before === "string") host.bootIdAtLastUp = before;
        if (typeof after === "string") host.bootIdNow = after;
        return;
    }
    const step = event.resourcePreEvent?.metadata;
    if (!step || step.op === "refresh" || (step.type !== hostStateType && step.type !== endpointStateType)) return;
    const expected = step.new?.inputs;
    const actual = step.old?.outputs;
    const name = hostNameOf(step);
    // Resources about to be created or deleted are pending changes of the stack, not drift.
    if (!expected || !actual || !name || step.op === "create" || step.op === "delete") return;
    const host = observe(hosts, name);
    host.checked = true;
    host.drift.push(...(step.type === hostStateType ? hostStateDrift(expected, actual) : endpointStateDrift(expected, actual)));
}

/** The stack's drift, from the events of a refresh preview that succeeded. */
export function stackDriftFromEvents(stack: string, events: readonly EngineEvent[]): StackDrift {
    const observed = new Map<string, HostObservation>();
    for (const event of events) record(observed, event);
    const checked = [...observed].filter(([, host]) => host.checked);
    if (checked.length === 0) return failedStack(stack, checkError(stack, "not-deployed", `stack ${stack} has no hosts in its state`));
    const hosts: HostDrift[] = checked
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, host]) => {
            const known = host.bootIdAtLastUp !== undefined && host.bootIdNow !== undefined;
            // Stable: fields keep their order within a resource (endpoints by address, then limits).
            const drift = host.drift.sort((a, b) => a.resource.localeCompare(b.resource));
            return {
                host: name,
                rebooted: known && host.bootIdAtLastUp !== host.bootIdNow,
                ...(known ? { bootId: { lastUp: host.bootIdAtLastUp!, now: host.bootIdNow! } } : {}),
                drift,
            };
        });
    return { stack, status: hosts.some((host) => host.drift.length > 0) ? "drift" : "clean", hosts };
}

/** The engine's own error lines for a failed preview, resource errors first, without colour. */
export function engineErrorMessages(events: readonly EngineEvent[]): string[] {
    const diagnostics = events.map((event) => event.diagnosticEvent).filter((diagnostic) => diagnostic?.severity === "error");
    const ordered = [...diagnostics.filter((d) => d?.urn), ...diagnostics.filter((d) => !d?.urn)];
    // Colour sequences, in case the engine added any despite `color: never`.
    return ordered.map((d) => (d?.message ?? "").replace(/\u001b\[[0-9;]*m/g, "").trim()).filter((message) => message !== "");
}
