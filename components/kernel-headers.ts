import * as pulumi from "@pulumi/pulumi";
import { kernelHeadersProvider, kernelHeadersProviderVersion } from "./kernel-headers-provider";
import type { RaspberryPi } from "./raspberry-pi";

export interface KernelHeadersArgs {
    /** The host to install on; the component is parented to it. */
    host: RaspberryPi;
    /** `auto` (from the running kernel and OS) or an explicit package name; default `auto`. */
    package?: pulumi.Input<string>;
}

class KernelHeadersInstall extends pulumi.dynamic.Resource {
    declare readonly kernelRelease: pulumi.Output<string>;
    declare readonly installedPackage: pulumi.Output<string>;
    declare readonly installedVersion: pulumi.Output<string>;
    declare readonly ipprotoMptcp: pulumi.Output<number>;
    constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts: pulumi.CustomResourceOptions) {
        const outputs = { kernelRelease: undefined, installedPackage: undefined, installedVersion: undefined, ipprotoMptcp: undefined };
        super(kernelHeadersProvider, name, { ...props, ...outputs }, { ...opts, additionalSecretOutputs: ["connection"] }, "mptcp-lab", "KernelHeadersInstall");
    }
}

/**
 * The running kernel's headers plus git and build-essential, as in the seed's apt line, with a
 * compile probe of what iperf3's configure checks. Re-runs after a kernel upgrade and reboot.
 */
export class KernelHeaders extends pulumi.ComponentResource {
    readonly kernelRelease: pulumi.Output<string>;
    readonly installedPackage: pulumi.Output<string>;
    readonly installedVersion: pulumi.Output<string>;

    constructor(name: string, args: KernelHeadersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mptcp-lab:host:KernelHeaders", name, {}, { parent: args.host, ...opts });
        const install = new KernelHeadersInstall(
            `${name}-install`,
            { connection: args.host.connection, hostName: args.host.hostName, package: args.package ?? "auto", providerVersion: kernelHeadersProviderVersion },
            { parent: this },
        );
        this.kernelRelease = install.kernelRelease;
        this.installedPackage = install.installedPackage;
        this.installedVersion = install.installedVersion;
        this.registerOutputs({ kernelRelease: this.kernelRelease, installedPackage: this.installedPackage, installedVersion: this.installedVersion });
    }
}
