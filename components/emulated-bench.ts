import * as pulumi from "@pulumi/pulumi";
import type { BenchPlan } from "../bench";
import type { HostConnectionArgs } from "./connection";
import type { DynamicInputs } from "./dynamic-inputs";
import { DynamicResource } from "./dynamic-resource";
import type { BenchHostConnection, EmulatedBenchInputs } from "./emulated-bench-provider";
import { emulatedBenchProvider, emulatedBenchProviderVersion, repositoryMirrorProvider, repositoryMirrorProviderVersion } from "./providers";
import type { RepositoryMirrorInputs } from "./repository-mirror-provider";

export interface EmulatedBenchArgs {
    /** Hosts, addresses, shaping and subnets of the bench (see bench/). */
    plan: pulumi.Input<BenchPlan>;
}

class BenchInstance extends DynamicResource {
    declare readonly state: pulumi.Output<string>;
    declare readonly hosts: pulumi.Output<BenchHostConnection[]>;
    declare readonly privateKey: pulumi.Output<string>;
    declare readonly aptProxyUrl: pulumi.Output<string>;
    declare readonly gitBaseUrl: pulumi.Output<string>;
    constructor(name: string, props: DynamicInputs<EmulatedBenchInputs>, opts: pulumi.CustomResourceOptions) {
        const outputs = { state: undefined, hosts: undefined, privateKey: undefined, aptProxyUrl: undefined, gitBaseUrl: undefined, problems: undefined };
        super(emulatedBenchProvider, name, { ...props, ...outputs }, { ...opts, additionalSecretOutputs: ["privateKey"] }, "mptcp-lab", "BenchInstance");
    }
}

class RepositoryMirror extends DynamicResource {
    declare readonly mirrorUrl: pulumi.Output<string>;
    constructor(name: string, props: DynamicInputs<RepositoryMirrorInputs>, opts: pulumi.CustomResourceOptions) {
        super(repositoryMirrorProvider, name, { ...props, mirrorUrl: undefined, seededFrom: undefined }, opts, "mptcp-lab", "RepositoryMirror");
    }
}

/**
 * Hosts in network namespaces on this machine, wired like the seed's lab, each with its own root
 * file system and sshd. `pulumi up` creates it before provisioning it; `pulumi destroy` removes it.
 */
export class EmulatedBench extends pulumi.ComponentResource {
    readonly aptProxyUrl: pulumi.Output<string>;
    readonly gitBaseUrl: pulumi.Output<string>;
    private readonly instance: BenchInstance;
    private readonly benchName: string;

    constructor(name: string, args: EmulatedBenchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mptcp-lab:bench:EmulatedBench", name, {}, opts);
        this.benchName = name;
        this.instance = new BenchInstance(`${name}-instance`, { plan: args.plan, providerVersion: emulatedBenchProviderVersion }, { parent: this });
        this.aptProxyUrl = this.instance.aptProxyUrl;
        this.gitBaseUrl = this.instance.gitBaseUrl;
        this.registerOutputs({ state: this.instance.state, aptProxyUrl: this.aptProxyUrl, gitBaseUrl: this.gitBaseUrl });
    }

    /**
     * Offers a git repository to the bench's hosts through its git daemon, from the controller's
     * mirror; returns the URL the hosts fetch from instead of `repository`.
     */
    mirrorOf(repository: pulumi.Input<string>, tag: pulumi.Input<string>): pulumi.Output<string> {
        const mirror = new RepositoryMirror(
            `${this.benchName}-iperf3-mirror`,
            { benchName: this.benchName, repository, tag, providerVersion: repositoryMirrorProviderVersion },
            { parent: this, dependsOn: [this.instance] },
        );
        return mirror.mirrorUrl;
    }

    /** How to reach one of the bench's hosts, with the bench's key and the host's pinned key. */
    connectionFor(hostName: string): HostConnectionArgs {
        const host = this.instance.hosts.apply((hosts) => {
            const found = hosts.find((candidate) => candidate.name === hostName);
            if (!found) throw new Error(`the emulated bench has no host ${JSON.stringify(hostName)} (it has ${hosts.map((h) => h.name).join(", ")})`);
            return found;
        });
        return { address: host.address, port: host.port, user: host.user, privateKey: this.instance.privateKey, hostKey: host.hostKey };
    }
}
