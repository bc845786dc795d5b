// Type-level tests of the dynamic resources' props, checked by `tsc --noEmit` (npm run typecheck)
// and never run: every `@ts-expect-error` line must be a type error, or tsc fails on the unused
// directive. The components type their resources' props as DynamicInputs<XInputs>, so these are
// the checks a component's object literal gets.
import type * as pulumi from "@pulumi/pulumi";
import type { DynamicInputs } from "../../components/dynamic-inputs";
import type { FailoverTestInputs } from "../../components/failover-test-provider";
import type { HostStateInputs } from "../../components/host-state-provider";
import type { MptcpEndpointsInputs } from "../../components/mptcp-endpoints-provider";
import type { Endpoint } from "../../mptcp/endpoints";
import type { HostConnection } from "../../remote/ssh";

declare const connection: pulumi.Output<HostConnection>;
declare const role: pulumi.Output<"client" | "server">;
declare const endpoints: pulumi.Input<pulumi.Input<Endpoint>[]>;
declare const seconds: pulumi.Output<number>;

/** Outputs at any depth, and an Output of a union, fit. */
export const endpointState: DynamicInputs<MptcpEndpointsInputs> = {
    connection,
    hostName: "client",
    role,
    endpoints,
    limits: { subflows: seconds, addAddrAccepted: 2 },
    persist: false,
    providerVersion: "2",
};

export const renamedField: DynamicInputs<HostStateInputs> = {
    connection,
    hostName: "client",
    mptcpEnabled: true,
    // @ts-expect-error -- a field the provider's inputs do not have (renamed there, say) is refused
    persistent: true,
    providerVersion: "4",
};

// @ts-expect-error -- a field the provider's inputs require cannot be left out
export const missingField: DynamicInputs<HostStateInputs> = { connection, hostName: "client", mptcpEnabled: true, providerVersion: "4" };

export const wrongType: Partial<DynamicInputs<FailoverTestInputs>> = {
    // @ts-expect-error -- an Output of the wrong type is refused
    durationSeconds: role,
    // @ts-expect-error -- so is a value outside the field's union
    failingHost: "router",
    // @ts-expect-error -- and a nested field under a name the provider does not read
    client: { name: "client", link: connection },
};
