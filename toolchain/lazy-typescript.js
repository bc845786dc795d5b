// Loads the TypeScript compiler only when something uses it. @pulumi/pulumi requires it on import
// (runtime/index.js loads the closure serialiser, whose parser is TypeScript's): about 45 MiB and
// a third of a second in every process that imports the SDK, although only a Pulumi program that
// creates a dynamic resource ever parses a function with it. The command line, the Automation API
// and the dynamic-provider processes never do. Preloaded with `node -r` by cli/mptcp-lab and, through
// NODE_OPTIONS (toolchain engineEnvironment), by the engine's Node processes; it stands a module
// in for `typescript` whose first property read loads the real one, which every later `require`
// then gets. Plain JavaScript, as it runs before anything can be transpiled.
"use strict";
const Module = require("module");

function install() {
    let resolved;
    try {
        resolved = require.resolve("typescript", { paths: [process.cwd(), __dirname] });
    } catch {
        return; // No TypeScript here: whoever requires it gets Node's own error.
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
            get: (_target, key) => load()[key],
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

install();
