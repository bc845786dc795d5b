// Types only: the command line loads providers to read hosts without loading the Pulumi SDK.
import type * as pulumi from "@pulumi/pulumi";
import { forEngine } from "../errors/engine-text";

/**
 * The operations of a dynamic provider whose methods load the implementation from mptcp-lab's own
 * sources when called. Self-contained (it uses only its argument and `require`): its source text
 * is the code the provider process runs (see `providerShim`). The provider process runs in the
 * Pulumi project's folder (or one below it, for test projects) with node_modules at hand but
 * without ts-node registered, so it registers swc (toolchain/swc-register.js) before requiring the
 * TypeScript module.
 */
function shimOperations(modulePath: string): pulumi.dynamic.ResourceProvider {
    const load = (): pulumi.dynamic.ResourceProvider => {
        const fs = require("fs") as typeof import("fs");
        const path = require("path") as typeof import("path");
        let root = process.cwd();
        while (!fs.existsSync(path.join(root, modulePath + ".ts"))) {
            const parent = path.dirname(root);
            if (parent === root) throw new Error(`cannot find ${modulePath}.ts above ${process.cwd()}: run Pulumi from the mptcp-lab folder`);
            root = parent;
        }
        // swc alone, not ts-node, which would load the TypeScript compiler into every provider
        // process; a process that can load .ts already (ts-node in the tests) keeps its loader.
        if (!require.extensions[".ts"]) require(path.join(root, "toolchain", "swc-register.js"));
        return require(path.join(root, modulePath)).operations;
    };
    return {
        check: (olds, news) => load().check!(olds, news),
        diff: (id, olds, news) => load().diff!(id, olds, news),
        create: (inputs) => load().create(inputs),
        read: (id, props) => load().read!(id, props),
        update: (id, olds, news) => load().update!(id, olds, news),
        delete: (id, props) => load().delete!(id, props),
    };
}

/**
 * A provider's operations whose coded errors (errors/) carry their coded line into the engine's
 * text, where the command line reads them back (errors/engine-text.ts). Done here, in the module
 * the shim loads, rather than in the shim: the shim stored in a stack's state by an older
 * version runs this too.
 */
export function codedOperations(operations: pulumi.dynamic.ResourceProvider): pulumi.dynamic.ResourceProvider {
    const coded = <A extends unknown[], R>(method: ((...args: A) => Promise<R>) | undefined) =>
        method &&
        (async (...args: A): Promise<R> => {
            try {
                return await method.apply(operations, args);
            } catch (error) {
                throw forEngine(error);
            }
        });
    return {
        check: coded(operations.check),
        diff: coded(operations.diff),
        create: coded(operations.create)!,
        read: coded(operations.read),
        update: coded(operations.update),
        delete: coded(operations.delete),
    };
}

/** A dynamic provider, with the module text that the provider process loads for it. */
export interface ShimProvider extends pulumi.dynamic.ResourceProvider {
    /** A CommonJS module whose `handler()` returns the provider, as the dynamic-provider process expects. */
    readonly source: string;
}

/**
 * A dynamic provider that loads `operations` from one of mptcp-lab's modules when called. The
 * engine stores a provider as the text of a module; `pulumi.dynamic.Resource` writes it with the
 * SDK's closure serialiser, which walks every captured scope through the V8 inspector and parses
 * each function with the TypeScript compiler (about 70 MiB and most of a second in the program),
 * and mangles module-level Sets, Maps and class instances. A shim's text is known in advance: the
 * source of `shimOperations` applied to the module's path.
 */
export function providerShim(modulePath: string): ShimProvider {
    const source = `"use strict";\nexports.handler = () => (${shimOperations.toString()})(${JSON.stringify(modulePath)});\n`;
    return { ...shimOperations(modulePath), source };
}
