import * as pulumi from "@pulumi/pulumi";
import { LAB_DEFAULTS } from "../lab/normalise";
import type { Endpoint, Limits } from "../mptcp/endpoints";
import type { DynamicInputs } from "./dynamic-inputs";
import { mptcpEndpointsProvider, mptcpEndpointsProviderVersion } from "./providers";
import type { MptcpEndpointsInputs } from "./mptcp-endpoints-provider";
import { DynamicResource } from "./dynamic-resource";
import type { RaspberryPi } from "./raspberry-pi";

export interface MptcpEndpointsArgs {
    /** The host whose endpoint table this is; the component is parented to it. */
    host: RaspberryPi;
    /** The host's part in the test; the policy pack checks endpoint flags against it. */
    role: pulumi.Input<"client" | "server">;
    /** The exact endpoint set: anything else in the host's table is removed. */
    endpoints: pulumi.Input<pulumi.Input<Endpoint>[]>;
    /** `ip mptcp limits`: additional subflows and accepted ADD_ADDRs per connection. */
    limits: pulumi.Input<Limits>;
    /** Install a boot unit (systemd oneshot) that re-applies the endpoints and limits at every boot; default false. */
    persist?: pulumi.Input<boolean>;
}

class MptcpEndpointState extends DynamicResource {
    declare readonly endpoints: pulumi.Output<Endpoint[]>;
    declare readonly limits: pulumi.Output<Limits>;
    declare readonly unmanagedFlags: pulumi.Output<Record<string, string[]>>;
    declare readonly bootUnitSha256: pulumi.Output<string>;
    constructor(name: string, props: DynamicInputs<MptcpEndpointsInputs>, opts: pulumi.CustomResourceOptions) {
        const outputs = { previousLimits: undefined, unmanagedFlags: undefined, bootUnitSha256: undefined, bootUnitEnabled: undefined };
        super(mptcpEndpointsProvider, name, { ...props, ...outputs }, { ...opts, additionalSecretOutputs: ["connection"] }, "mptcp-lab", "MptcpEndpointState");
    }
}

/**
 * A host's MPTCP endpoints and limits, kept exactly as declared, and with `persist` a boot unit
 * that restores them after a reboot. Outputs are what the host has; a refresh re-reads them, so
 * drift shows as a diff of this resource.
 */
export class MptcpEndpoints extends pulumi.ComponentResource {
    readonly endpoints: pulumi.Output<Endpoint[]>;
    readonly limits: pulumi.Output<Limits>;
    /** sha256 of the boot unit on the host; "" when it has none. */
    readonly bootUnitSha256: pulumi.Output<string>;

    constructor(name: string, args: MptcpEndpointsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mptcp-lab:host:MptcpEndpoints", name, {}, { parent: args.host, ...opts });
        const state = new MptcpEndpointState(
            `${name}-state`,
            {
                connection: args.host.connection,
                hostName: args.host.hostName,
                role: args.role,
                endpoints: args.endpoints,
                limits: args.limits,
                persist: args.persist ?? LAB_DEFAULTS.persist,
                providerVersion: mptcpEndpointsProviderVersion,
            },
            { parent: this },
        );
        this.endpoints = state.endpoints;
        this.limits = state.limits;
        this.bootUnitSha256 = state.bootUnitSha256;
        this.registerOutputs({ endpoints: this.endpoints, limits: this.limits, bootUnitSha256: this.bootUnitSha256 });
    }
}
