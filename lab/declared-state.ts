// What a lab declares for one host's endpoint table: the MptcpEndpointState inputs the program
// registers, and what `drift` holds the host's live table against. One function, so the two
// cannot disagree.
import { type Endpoint, type Limits, sortEndpoints } from "../mptcp/endpoints";
import type { HostSpec } from "./types";

export interface DeclaredEndpointState {
    /** In the order the provider's `check` keeps them: by address. */
    endpoints: Endpoint[];
    limits: Limits;
    persist: boolean;
}

export function declaredEndpointState(host: HostSpec): DeclaredEndpointState {
    const endpoints = host.endpoints.map((e) => ({ address: e.address, device: e.device, flags: [...e.flags], ...(e.id === undefined ? {} : { id: e.id }) }));
    return { endpoints: sortEndpoints(endpoints), limits: { ...host.limits }, persist: host.persist };
}
