import * as pulumi from "@pulumi/pulumi";
import { LAB_DEFAULTS } from "../lab/normalise";
import { iperf3Provider, iperf3ProviderVersion } from "./iperf3-provider";
import type { RaspberryPi } from "./raspberry-pi";

export interface Iperf3Args {
    /** The host to install on; the component is parented to it. */
    host: RaspberryPi;
    /** `source` (a git tag, built on the host) or `package` (the OS package). */
    from: pulumi.Input<"source" | "package">;
    /** Git URL the host can reach; default the upstream repository. */
    repository?: pulumi.Input<string>;
    /** Release tag, e.g. `3.21`; never a branch. Default `3.21`. */
    tag?: pulumi.Input<string>;
    /** Extra `./configure` flags, e.g. `--disable-shared`; default none. */
    configureFlags?: pulumi.Input<pulumi.Input<string>[]>;
    /** OS package for `from: package`; default `iperf3`. */
    package?: pulumi.Input<string>;
    /** Fail unless the binary offers --mptcp; otherwise runs fall back to mptcpize. Default false. */
    requireMptcpFlag?: pulumi.Input<boolean>;
}

class Iperf3Install extends pulumi.dynamic.Resource {
    declare readonly binary: pulumi.Output<string>;
    declare readonly version: pulumi.Output<string>;
    declare readonly commit: pulumi.Output<string>;
    declare readonly mptcp: pulumi.Output<"native" | "mptcpize">;
    constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts: pulumi.CustomResourceOptions) {
        const outputs = { binary: undefined, version: undefined, commit: undefined, mptcp: undefined };
        super(iperf3Provider, name, { ...props, ...outputs }, { ...opts, additionalSecretOutputs: ["connection"] }, "mptcp-lab", "Iperf3Install");
    }
}

/** iperf3 on a host, from source at a pinned tag or from the OS package, verified after install. */
export class Iperf3 extends pulumi.ComponentResource {
    readonly binary: pulumi.Output<string>;
    readonly version: pulumi.Output<string>;
    readonly commit: pulumi.Output<string>;
    /** `native` when the binary has --mptcp, else `mptcpize`. */
    readonly mptcp: pulumi.Output<"native" | "mptcpize">;

    constructor(name: string, args: Iperf3Args, opts?: pulumi.ComponentResourceOptions) {
        super("mptcp-lab:host:Iperf3", name, {}, { parent: args.host, ...opts });
        const install = new Iperf3Install(
            `${name}-install`,
            {
                connection: args.host.connection,
                hostName: args.host.hostName,
                from: args.from,
                repository: args.repository ?? LAB_DEFAULTS.repository,
                tag: args.tag ?? "3.21",
                configureFlags: args.configureFlags ?? [],
                package: args.package ?? "iperf3",
                requireMptcpFlag: args.requireMptcpFlag ?? false,
                providerVersion: iperf3ProviderVersion,
            },
            { parent: this },
        );
        this.binary = install.binary;
        this.version = install.version;
        this.commit = install.commit;
        this.mptcp = install.mptcp;
        this.registerOutputs({ binary: this.binary, version: this.version, commit: this.commit, mptcp: this.mptcp });
    }
}
