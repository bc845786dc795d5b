import test from "ava";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_MARK } from "../../cli/run-reaper";

// A stand-in for `mptcp-lab up`: marks its run, starts the watcher, then starts (in process groups
// of their own, as the engine does) an engine plugin, a dynamic provider, a bench-like daemon that
// is not the engine's, and an engine-like process of another run. It is then killed with SIGKILL.
const REPOSITORY = path.join(__dirname, "..", "..");
const PARENT = `
const { spawn } = require("node:child_process");
const { startRunReaper } = require(${JSON.stringify(path.join(REPOSITORY, "cli", "run-reaper.ts"))});
startRunReaper(process.env);
const [plugin, daemon] = process.argv.slice(1);
const start = (command, args, env = process.env) => spawn(command, args, { detached: true, stdio: "ignore", env }).pid;
const { ${RUN_MARK}: _mark, ...unmarked } = process.env;
const pids = {
    plugin: start(plugin, ["300"]),
    provider: start(process.execPath, ["-e", "setTimeout(() => {}, 300000)", "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"]),
    daemon: start(daemon, ["300"]),
    otherRun: start(plugin, ["300"], unmarked),
};
console.log(JSON.stringify(pids));
setInterval(() => {}, 1000);
`;

const isAlive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
    } catch {
        return false;
    }
};

test("after a SIGKILL of the command, the engine's processes of its run end and nothing else does", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-reaper-"));
    const plugin = path.join(dir, "pulumi-resource-pulumi-nodejs");
    const daemon = path.join(dir, "bench-daemon");
    for (const file of [plugin, daemon]) {
        fs.copyFileSync("/bin/sleep", file);
        fs.chmodSync(file, 0o755);
    }
    const parent = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", PARENT, plugin, daemon], { cwd: REPOSITORY, stdio: ["ignore", "pipe", "inherit"] });
    const pids = await new Promise<Record<string, number>>((resolve, reject) => {
        let out = "";
        parent.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve(JSON.parse(out) as Record<string, number>);
        });
        parent.on("exit", () => reject(new Error(`the stand-in ended early: ${out}`)));
    });
    t.teardown(() => {
        for (const pid of Object.values(pids)) if (isAlive(pid)) process.kill(pid, "SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    });
    t.true(Object.values(pids).every(isAlive), "everything runs before the kill");
    parent.kill("SIGKILL");
    // The watcher polls each second and gives TERM 3 s before KILL: wait for up to 30 s.
    for (let tries = 0; tries < 300 && (isAlive(pids.plugin) || isAlive(pids.provider)); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    t.false(isAlive(pids.plugin), "the engine plugin ended");
    t.false(isAlive(pids.provider), "the dynamic provider ended");
    t.true(isAlive(pids.daemon), "a process that is not the engine's is left alone");
    t.true(isAlive(pids.otherRun), "an engine process of another run is left alone");
});
