import * as pulumi from "@pulumi/pulumi";
import type { HostFacts } from "../remote/host-facts";
import type { HostConnection } from "../remote/ssh";
import { HostConnectionArgs, resolveConnection } from "./connection";
import type { DynamicInputs } from "./dynamic-inputs";
import { hostStateProvider, hostStateProviderVersion } from "./providers";
import type { HostStateInputs } from "./host-state-provider";
import { DynamicResource } from "./dynamic-resource";

export interface RaspberryPiArgs {
    /** How to reach the host over SSH (private key as a secret, host key pinned). */
    connection: HostConnectionArgs;
}

/** The host's baseline as a dynamic resource: MPTCP switched on persistently, facts read. */
class HostState extends DynamicResource {
    declare readonly facts: pulumi.Output<HostFacts>;
    declare readonly mptcpEnabled: pulumi.Output<boolean>;
    declare readonly persisted: pulumi.Output<boolean>;
    constructor(name: string, args: Pick<DynamicInputs<HostStateInputs>, "connection" | "hostName">, opts: pulumi.CustomResourceOptions) {
        const props: DynamicInputs<HostStateInputs> = { ...args, mptcpEnabled: true, persisted: true, providerVersion: hostStateProviderVersion };
        super(hostStateProvider, name, { ...props, facts: undefined }, { ...opts, additionalSecretOutputs: ["connection"] }, "mptcp-lab", "HostState");
    }
}

/**
 * A Raspberry Pi (or any Debian-family host) reached over SSH. Everything mptcp-lab does on the
 * host is parented to it.
 */
export class RaspberryPi extends pulumi.ComponentResource {
    /** The resolved connection; secret, as it holds the private key. */
    readonly connection: pulumi.Output<HostConnection>;
    /** OS release, kernel, architecture, `net.mptcp.enabled`, interfaces and boot id. */
    readonly facts: pulumi.Output<HostFacts>;
    readonly mptcpEnabled: pulumi.Output<boolean>;
    /** The host's name in the lab, e.g. `client`; used in child names and messages. */
    readonly hostName: string;

    constructor(name: string, args: RaspberryPiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mptcp-lab:host:RaspberryPi", name, {}, opts);
        const hostName = name;
        this.hostName = name;
        this.connection = resolveConnection(args.connection);
        const state = new HostState(`${hostName}-state`, { connection: this.connection, hostName }, { parent: this });
        this.facts = state.facts;
        this.mptcpEnabled = state.mptcpEnabled;
        this.registerOutputs({ facts: this.facts, mptcpEnabled: this.mptcpEnabled });
    }
}
