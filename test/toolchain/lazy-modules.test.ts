// The TypeScript compiler, npm's arborist and the Automation API load only when used: importing
// @pulumi/pulumi loads none of them (the program and the dynamic-provider processes never use
// them), their first use does, and the engine's Node processes get the preload through NODE_OPTIONS.
import test from "ava";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { engineNodeOptions, SEMI_SPACE_MIB } from "../../toolchain";

const root = path.join(__dirname, "..", "..");
const preload = path.join(root, "toolchain", "lazy-modules.js");

/** Runs `body` in a fresh node with the preload; `compiled()` counts the TypeScript compilers it
 *  compiled, `arborists()` arborist's files. */
function inFreshNode(body: string): unknown {
    const script = `
const Module = require("module");
const compiledFiles = [];
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) { compiledFiles.push(filename); return compile.call(this, content, filename); };
const compiled = () => compiledFiles.filter((file) => file.endsWith("/typescript/lib/typescript.js")).length;
const arborists = () => compiledFiles.filter((file) => file.includes("/@npmcli/arborist/")).length;
const automation = () => compiledFiles.filter((file) => file.includes("/@pulumi/pulumi/automation/")).length;
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

test("importing the Pulumi SDK leaves npm's arborist unloaded, and the SDK's own import of it reaches the real one", (t) => {
    const result = inFreshNode(`
require("@pulumi/pulumi");
const before = arborists();
// codePaths.js holds what its \`import * as arborist\` made of the stand-in.
const codePaths = require("@pulumi/pulumi/runtime/closure/codePaths");
const standIn = require("@npmcli/arborist");
const stillUnloaded = arborists() === 0;
const Arborist = standIn.Arborist;
const real = require("@npmcli/arborist");
console.log(JSON.stringify({ before, stillUnloaded, exported: typeof codePaths.computeCodePaths, arborist: typeof Arborist, loaded: arborists() > 0, realNext: real !== standIn, same: Arborist === real.Arborist, namespaceDefault: standIn.default === real }));
`);
    t.deepEqual(result, { before: 0, stillUnloaded: true, exported: "function", arborist: "function", loaded: true, realNext: true, same: true, namespaceDefault: true });
});

test("the SDK's code-path finder runs arborist through the stand-in", async (t) => {
    const result = inFreshNode(`
const { computeCodePaths } = require("@pulumi/pulumi/runtime");
computeCodePaths({ extraIncludePackages: ["ssh2"] }).then((paths) => console.log(JSON.stringify({ ssh2: [...paths.keys()].includes("node_modules/ssh2"), loaded: arborists() > 0 })));
`);
    t.deepEqual(result, { ssh2: true, loaded: true });
});

test("importing the Pulumi SDK leaves the Automation API unloaded until it is used, by either name", (t) => {
    const result = inFreshNode(`
const pulumi = require("@pulumi/pulumi");
const before = automation();
const { LocalWorkspace, CommandError } = pulumi.automation;
const direct = require("@pulumi/pulumi/automation");
console.log(JSON.stringify({ before, loaded: automation() > 0, workspace: typeof LocalWorkspace.create, same: direct.CommandError === CommandError, keys: Object.keys(pulumi.automation).includes("LocalWorkspace") }));
`);
    t.deepEqual(result, { before: 0, loaded: true, workspace: "function", same: true, keys: true });
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
