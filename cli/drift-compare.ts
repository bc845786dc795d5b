// Drift of one stack, from three things per host: what the lab declares (the stack file), what the
// state recorded at the last `up` (the boot id then), and what the host has now (read by the
// same provider code a refresh runs). Hosts only in the lab are pending creates, hosts only in the
// state pending deletes: changes of the stack, not drift.
import { expectedBootUnit } from "../components/mptcp-boot-unit";
import type { DeclaredEndpointState } from "../lab/declared-state";
import { compareEndpointState } from "../mptcp/endpoints";
import type { Endpoint, Limits } from "../mptcp/endpoints";
import type { FieldDrift, HostDrift, StackDrift } from "./drift-report";

type Properties = Record<string, unknown>;

/** A host's HostState: outputs recorded at the last `up`, and as read now. */
export interface HostStateReading {
    recorded: Properties;
    live: Properties;
}

/** A host's MptcpEndpointState: what the lab declares, and the outputs read now. */
export interface EndpointStateReading {
    declared: DeclaredEndpointState;
    live: Properties;
}

export interface HostReadings {
    host: string;
    hostState?: HostStateReading;
    endpointState?: EndpointStateReading;
}

const bootIdOf = (outputs: Properties) => {
    const bootId = (outputs.facts as { bootId?: unknown } | undefined)?.bootId;
    return typeof bootId === "string" ? bootId : undefined;
};
const flag = (value: unknown) => (value === true ? "1" : "0");

/** The lab always declares MPTCP on and the sysctl.d file as mptcp-lab writes it. */
export function hostStateDrift(live: Properties): FieldDrift[] {
    const drift: FieldDrift[] = [];
    if (live.mptcpEnabled !== true) drift.push({ resource: "HostState", field: "net.mptcp.enabled", expected: flag(true), actual: flag(live.mptcpEnabled) });
    if (live.persisted !== true) drift.push({ resource: "HostState", field: "sysctl.d file", expected: "as mptcp-lab writes it", actual: "missing or changed" });
    return drift;
}

const unitText = (sha256: string) => (sha256 === "" ? "absent" : `sha256:${sha256.slice(0, 12)}`);
const yesNo = (value: boolean) => (value ? "yes" : "no");

export function endpointStateDrift(declared: DeclaredEndpointState, live: Properties): FieldDrift[] {
    const have = { endpoints: live.endpoints as Endpoint[], limits: live.limits as Limits };
    const drift: FieldDrift[] = compareEndpointState(declared, have).map((difference) => ({ resource: "MptcpEndpointState", ...difference }));
    const unit = expectedBootUnit(declared);
    const liveSha256 = typeof live.bootUnitSha256 === "string" ? live.bootUnitSha256 : "";
    if (unit.sha256 !== liveSha256) drift.push({ resource: "MptcpEndpointState", field: "bootUnit", expected: unitText(unit.sha256), actual: unitText(liveSha256) });
    else if (unit.enabled !== (live.bootUnitEnabled === true)) {
        drift.push({ resource: "MptcpEndpointState", field: "bootUnit.enabled", expected: yesNo(unit.enabled), actual: yesNo(live.bootUnitEnabled === true) });
    }
    return drift;
}

export function hostDrift(readings: HostReadings): HostDrift {
    const [lastUp, now] = readings.hostState ? [bootIdOf(readings.hostState.recorded), bootIdOf(readings.hostState.live)] : [];
    const drift = [...(readings.hostState ? hostStateDrift(readings.hostState.live) : []), ...(readings.endpointState ? endpointStateDrift(readings.endpointState.declared, readings.endpointState.live) : [])];
    const known = lastUp !== undefined && now !== undefined;
    return { host: readings.host, rebooted: known && lastUp !== now, ...(known ? { bootId: { lastUp, now } } : {}), drift };
}

/** The stack's drift from its hosts' readings (at least one), hosts in name order. */
export function stackDrift(stack: string, readings: readonly HostReadings[]): StackDrift {
    const hosts = [...readings].sort((a, b) => a.host.localeCompare(b.host)).map(hostDrift);
    return { stack, status: hosts.some((host) => host.drift.length > 0) ? "drift" : "clean", hosts };
}
