// Loads mptcp-lab's TypeScript sources with swc alone: the same transform ts-node's swc
// transpiler makes from tsconfig.json (CommonJS with interop, ES2022, class fields defined),
// without loading the TypeScript compiler that ts-node needs for itself. Used by the command line
// (`node -r toolchain/swc-register.js cli/main.ts`) and the dynamic-provider processes, which
// start on every `up`, `drift` and `test`: about 50 MiB and a quarter of a second less each.
// Plain JavaScript, as it must run before anything can be transpiled. Type checking stays tsc's.
"use strict";
const fs = require("fs");

if (!require.extensions[".ts"]) {
    const swc = require("@swc/core");
    const options = {
        swcrc: false,
        sourceMaps: "inline",
        module: { type: "commonjs", noInterop: false, strictMode: true, ignoreDynamic: false },
        jsc: {
            parser: { syntax: "typescript", tsx: false, decorators: false, dynamicImport: true },
            target: "es2022",
            keepClassNames: true,
            transform: { legacyDecorator: true, useDefineForClassFields: true },
        },
    };
    require.extensions[".ts"] = (module, filename) => {
        if (filename.includes(`${require("path").sep}node_modules${require("path").sep}`)) {
            throw new Error(`${filename}: TypeScript inside node_modules is not transpiled; load its JavaScript build`);
        }
        const { code } = swc.transformSync(fs.readFileSync(filename, "utf8"), { ...options, filename });
        module._compile(code, filename);
    };
    // Stack traces point into the TypeScript sources through the inline source maps.
    process.setSourceMapsEnabled(true);
}
