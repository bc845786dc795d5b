// toolchain/pulumi-resource-pulumi-nodejs starts the dynamic-provider host that node would resolve
// from the working directory, with the engine's arguments, as the SDK's own launcher does.
import test from "ava";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const launcher = path.join(__dirname, "..", "..", "toolchain", "pulumi-resource-pulumi-nodejs");

/** A stand-in provider host at `root/node_modules/...` that prints what it was started with. */
function providerHostUnder(root: string, label: string): void {
    const dir = path.join(root, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "index.js"), `console.log(JSON.stringify({ host: ${JSON.stringify(label)}, args: process.argv.slice(2) }));\n`);
}

function launch(cwd: string, env: NodeJS.ProcessEnv = {}): unknown {
    return JSON.parse(execFileSync(launcher, ["127.0.0.1:4321", "--with space"], { cwd, encoding: "utf8", env: { PATH: process.env.PATH, ...env } }));
}

test("the nearest node_modules above the working directory provides the host, and the arguments pass as they are", (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-launcher-"));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    providerHostUnder(root, "project");
    const below = path.join(root, "stacks", "deeper");
    fs.mkdirSync(below, { recursive: true });
    t.deepEqual(launch(root), { host: "project", args: ["127.0.0.1:4321", "--with space"] });
    t.deepEqual(launch(below), { host: "project", args: ["127.0.0.1:4321", "--with space"] });
    // A nearer one wins, as in node's resolution.
    providerHostUnder(path.join(root, "stacks"), "nearer");
    t.deepEqual(launch(below), { host: "nearer", args: ["127.0.0.1:4321", "--with space"] });
});

test("without node_modules above, node's own resolution finds the host", (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-launcher-"));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    const elsewhere = path.join(root, "elsewhere");
    const project = path.join(root, "project");
    fs.mkdirSync(project);
    providerHostUnder(elsewhere, "NODE_PATH");
    t.deepEqual(launch(project, { NODE_PATH: path.join(elsewhere, "node_modules") }), { host: "NODE_PATH", args: ["127.0.0.1:4321", "--with space"] });
});
