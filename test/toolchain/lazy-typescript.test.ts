// The TypeScript compiler loads only when used: importing @pulumi/pulumi does not load it (the
// command line and the dynamic-provider processes never use it), its first use does, and the
// engine's Node processes get the preload through NODE_OPTIONS.
import test from "ava";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { engineNodeOptions, SEMI_SPACE_MIB } from "../../toolchain";

const root = path.join(__dirname, "..", "..");
const preload = path.join(root, "toolchain", "lazy-typescript.js");

/** Runs `body` in a fresh node with the preload; `compiled()` lists the TypeScript files it compiled. */
function inFreshNode(body: string): unknown {
    const script = `
const Module = require("module");
const compiledFiles = [];
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) { compiledFiles.push(filename); return compile.call(this, content, filename); };
const compiled = () => compiledFiles.filter((file) => file.endsWith("/typescript/lib/typescript.js")).length;
${body}`;
    return JSON.parse(execFileSync(process.execPath, ["-r", preload, "-e", script], { cwd: root, encoding: "utf8" }));
}

test("importing the Pulumi SDK leaves the TypeScript compiler unloaded, and its first use loads it once", (t) => {
    const result = inFreshNode(`
require("@pulumi/pulumi/automation");
require("@pulumi/pulumi");
const before = compiled();
const ts = require("typescript");
const statements = ts.createSourceFile("a.ts", "const a = 1; let b = a;", ts.ScriptTarget.Latest).statements.length;
const again = require("typescript");
console.log(JSON.stringify({ before, statements, after: compiled(), same: again.version === ts.version && "createSourceFile" in ts }));
`);
    t.deepEqual(result, { before: 0, statements: 2, after: 1, same: true });
});

test("the Pulumi SDK serialises a function through the stand-in", (t) => {
    const result = inFreshNode(`
const { serializeFunction } = require("@pulumi/pulumi/runtime");
const answer = 42;
serializeFunction(() => answer).then((serialized) => console.log(JSON.stringify({ text: serialized.text.includes("42"), compiled: compiled() })));
`);
    t.deepEqual(result, { text: true, compiled: 1 });
});

test("NODE_OPTIONS for the engine keeps what was given and adds the preload and the young generation's size once", (t) => {
    const added = `--require ${JSON.stringify(preload)} --max-semi-space-size=${SEMI_SPACE_MIB}`;
    const options = engineNodeOptions("--max-old-space-size=512");
    t.is(options, `--max-old-space-size=512 ${added}`);
    t.is(engineNodeOptions(options), options);
    t.is(engineNodeOptions(undefined), added);
});
