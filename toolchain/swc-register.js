// Loads mptcp-lab's TypeScript sources with swc alone: the same transform ts-node's swc
// transpiler makes from tsconfig.json (CommonJS with interop, ES2022, class fields defined),
// without loading the TypeScript compiler that ts-node needs for itself. Used by the command line
// (`node -r toolchain/swc-register.js cli/main.ts`) and the dynamic-provider processes, which
// start on every `up`, `drift` and `test`: about 50 MiB and a quarter of a second less each.
// Transpiled modules are cached by their source, so an unchanged start loads no swc at all.
// Plain JavaScript, as it must run before anything can be transpiled. Type checking stays tsc's.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Where transpiled modules are kept, keyed by their source: a start whose sources did not change
 *  loads neither swc (20 MiB) nor transpiles anything. */
function cacheDir() {
    const home = process.env.HOME || require("os").homedir();
    return path.join(process.env.XDG_CACHE_HOME || path.join(home, ".cache"), "mptcp-lab", "transpiled");
}

if (!require.extensions[".ts"]) {
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
    const swcVersion = require("@swc/core/package.json").version;
    const dir = cacheDir();
    let swc;
    const transpile = (source, filename) => {
        const key = crypto.createHash("sha256").update(JSON.stringify([swcVersion, options, filename])).update(source).digest("hex");
        const cached = path.join(dir, `${key}.js`);
        try {
            return fs.readFileSync(cached, "utf8");
        } catch {
            // Not transpiled yet: below.
        }
        swc = swc || require("@swc/core");
        const { code } = swc.transformSync(source, { ...options, filename });
        try {
            fs.mkdirSync(dir, { recursive: true });
            const partial = `${cached}.${process.pid}.tmp`;
            fs.writeFileSync(partial, code);
            fs.renameSync(partial, cached);
        } catch {
            // A cache that cannot be written costs time, not correctness.
        }
        return code;
    };
    require.extensions[".ts"] = (module, filename) => {
        if (filename.includes(`${path.sep}node_modules${path.sep}`)) {
            throw new Error(`${filename}: TypeScript inside node_modules is not transpiled; load its JavaScript build`);
        }
        module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
    };
    // Stack traces point into the TypeScript sources through the inline source maps.
    process.setSourceMapsEnabled(true);
}
