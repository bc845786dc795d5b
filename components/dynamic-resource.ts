import * as pulumi from "@pulumi/pulumi";
import type { ShimProvider } from "./provider-shim";

/**
 * `pulumi.dynamic.Resource` for a shim provider: the same type token
 * (`pulumi-nodejs:dynamic/<module>:<type>`) and `__provider` input, without the closure serialiser.
 */
export class DynamicResource extends pulumi.CustomResource {
    constructor(provider: ShimProvider, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions | undefined, module: string, type: string) {
        if ("__provider" in props) throw new Error("A dynamic resource must not define the __provider key");
        super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: provider.source }, opts);
    }
}
