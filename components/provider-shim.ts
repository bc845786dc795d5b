import type * as pulumi from "@pulumi/pulumi";

/**
 * A dynamic provider whose methods load the implementation from mptcp-lab's own sources when
 * called. The engine serialises a provider's closure into state, and that serialiser mangles
 * module-level Sets, Maps and class instances; a shim that only captures a module path keeps
 * state small and the real code intact. The provider process runs in the Pulumi project's
 * folder (or one below it, for test projects) with node_modules at hand but without ts-node
 * registered, so the shim registers swc (toolchain/swc-register.js) before requiring the TypeScript
 * module.
 */
export function providerShim(modulePath: string): pulumi.dynamic.ResourceProvider {
    const root = (): string => {
        const fs = require("fs") as typeof import("fs");
        const path = require("path") as typeof import("path");
        let folder = process.cwd();
        while (!fs.existsSync(path.join(folder, modulePath + ".ts"))) {
            const parent = path.dirname(folder);
            if (parent === folder) throw new Error(`cannot find ${modulePath}.ts above ${process.cwd()}: run Pulumi from the mptcp-lab folder`);
            folder = parent;
        }
        return folder;
    };
    const load = (): pulumi.dynamic.ResourceProvider => {
        const path = require("path") as typeof import("path");
        const folder = root();
        // swc alone, not ts-node, which would load the TypeScript compiler into every provider
        // process; a process that can load .ts already (ts-node in the tests) keeps its loader.
        if (!require.extensions[".ts"]) require(path.join(folder, "toolchain", "swc-register.js"));
        return require(path.join(folder, modulePath)).operations;
    };
    // A coded error (errors/) crosses the engine as text: its fields go in front of its message,
    // as one line the command line parses (errors/engine-text.ts).
    const coded = <T>(work: () => Promise<T>): Promise<T> =>
        Promise.resolve()
            .then(work)
            .catch((error: unknown) => {
                let forEngine: (error: unknown) => unknown = (same) => same;
                try {
                    const path = require("path") as typeof import("path");
                    forEngine = (require(path.join(root(), "errors", "engine-text")) as typeof import("../errors/engine-text")).forEngine;
                } catch {
                    // The error as it is, rather than an error about the error.
                }
                throw forEngine(error);
            });
    return {
        check: (olds, news) => coded(() => load().check!(olds, news)),
        diff: (id, olds, news) => coded(() => load().diff!(id, olds, news)),
        create: (inputs) => coded(() => load().create(inputs)),
        read: (id, props) => coded(() => load().read!(id, props)),
        update: (id, olds, news) => coded(() => load().update!(id, olds, news)),
        delete: (id, props) => coded(() => load().delete!(id, props)),
    };
}
