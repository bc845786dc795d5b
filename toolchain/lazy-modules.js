// Loads three parts of the Pulumi SDK's import only when something uses them. Importing the SDK
// (runtime/index.js) loads its closure serialiser, which requires the TypeScript compiler (about
// 45 MiB and a third of a second), and its code-path finder, which requires npm's arborist (a
// sixth of a second); only a program that serialises a function uses either, and mptcp-lab never
// does: a dynamic provider is stored as a known module text (components/provider-shim.ts). The
// SDK's index loads the Automation API (a tenth of a second), which only the command line's engine
// path uses. Every `up` starts two processes that import the SDK, the program and the dynamic
// provider, one after the other before the first host is touched. Preloaded with `node -r` by
// cli/mptcp-lab and Pulumi.yaml's nodeargs, and through NODE_OPTIONS (toolchain engineEnvironment)
// by the engine's Node processes; each module gets a stand-in whose first property read loads the
// real one, which every later `require` then gets. Plain JavaScript, as it runs before anything
// can be transpiled.
"use strict";
const Module = require("module");

/**
 * The modules, and how the SDK imports them. TypeScript's `import * as` (`__importStar`) reads
 * `__esModule` at once: a compiled ES module is then used as it is; a CommonJS module would have
 * every property copied (loading it) into a namespace whose `default` is the module itself, which
 * the stand-in answers instead.
 */
const LAZY_MODULES = [
    { name: "typescript", importedAs: "commonjs" },
    { name: "@npmcli/arborist", importedAs: "commonjs-namespace" },
    { name: "@pulumi/pulumi/automation", importedAs: "es-module" },
];

function install({ name, importedAs }) {
    let resolved;
    try {
        resolved = require.resolve(name, { paths: [process.cwd(), __dirname] });
    } catch {
        return; // Not installed here: whoever requires it gets Node's own error.
    }
    if (require.cache[resolved]) return;
    let real;
    const load = () => {
        if (real === undefined) {
            delete require.cache[resolved];
            real = require(resolved);
        }
        return real;
    };
    const exportsStandIn = new Proxy(
        {},
        {
            get: (_target, key) => {
                if (key === "__esModule" && importedAs !== "commonjs") return true;
                if (key === "default" && importedAs === "commonjs-namespace") return load();
                return load()[key];
            },
            set: (_target, key, value) => {
                load()[key] = value;
                return true;
            },
            has: (_target, key) => key in load(),
            ownKeys: () => Reflect.ownKeys(load()),
            // Reported as configurable: the stand-in's own (empty) target holds none of them.
            getOwnPropertyDescriptor: (_target, key) => {
                const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
                return descriptor && { ...descriptor, configurable: true };
            },
        },
    );
    const standIn = new Module(resolved, null);
    standIn.filename = resolved;
    standIn.paths = Module._nodeModulePaths(require("path").dirname(resolved));
    standIn.exports = exportsStandIn;
    standIn.loaded = true;
    require.cache[resolved] = standIn;
}

LAZY_MODULES.forEach(install);
