// An emulated classroom on one machine, through the mptcp-lab command itself: three benches from a
// template, up at concurrency 2, a drift check, a report, Ctrl-C in the middle of a failover test,
// a bench that vanished, and destroy. The stacks are named one by one: `--all` would also take the
// repository's own stacks (emulated, seed-lab).
import test from "ava";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { benchDown, benchStatus } from "../../bench";
import { stacksDir } from "../../cli/stack-files";
import { repositoryRoot } from "../../toolchain";
import { inHost, removeTestStack, testLab, writeStackFile } from "./lab-harness";

const template = "t-class-tpl";
const benches = ["t-class-1", "t-class-2", "t-class-3"];
const stackArgs = benches.flatMap((name) => ["--stack", name]);

interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs the command line as a user would, without a terminal. */
function mptcpLab(args: string[], options: { onStart?: (pid: number) => void } = {}): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(path.join(repositoryRoot, "cli", "mptcp-lab"), args, { env: { ...process.env, CI: "true" }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("spawn", () => options.onStart?.(child.pid!));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

async function wlan0IsDown(bench: string): Promise<boolean> {
    const link = JSON.parse(await inHost(bench, "client", ["ip", "-j", "link", "show", "wlan0"])) as { flags: string[] }[];
    return !link[0].flags.includes("UP");
}

test.before(() => {
    writeStackFile(template, testLab({ name: template, index: 26 }));
});

test.after.always(async () => {
    for (const name of [template, ...benches]) await removeTestStack(name);
});

test.serial("classroom init writes three validated bench stacks with distinct subnets", async (t) => {
    const run = await mptcpLab(["classroom", "init", "--benches", "3", "--from", template, "--prefix", "t-class", "--first-index", "27"]);
    t.is(run.code, 0, run.stderr);
    const subnets = benches.map((name) => /subnet: (198\.18\.\d+\.0\/24)/.exec(fs.readFileSync(path.join(stacksDir, `Pulumi.${name}.yaml`), "utf8"))?.[1]);
    t.deepEqual(subnets, ["198.18.27.0/24", "198.18.28.0/24", "198.18.29.0/24"]);
});

test.serial("up of three benches at concurrency 2 provisions them all and reports each failover", async (t) => {
    const run = await mptcpLab(["up", ...stackArgs, "--concurrency", "2", "--no-table"]);
    t.is(run.code, 0, run.stderr);
    t.regex(run.stdout, /failover tests run one at a time on this machine/);
    t.regex(run.stdout, /up: 3 of 3 stack\(s\) succeeded/);
    t.is(run.stdout.match(/MPTCP {13}verified by the kernel/g)?.length, 3, run.stdout);
});

test.serial("drift of the fresh classroom finds nothing and exits 0", async (t) => {
    const run = await mptcpLab(["drift", ...stackArgs]);
    t.is(run.code, 0, `${run.stdout}\n${run.stderr}`);
});

test.serial("report writes one page with a chart per bench and a table row per bench", async (t) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-report-"));
    t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
    const run = await mptcpLab(["report", ...stackArgs, "--out", out]);
    t.is(run.code, 0, run.stderr);
    const html = fs.readFileSync(path.join(out, "index.html"), "utf8");
    t.is(html.match(/<svg/g)?.length, 3);
    for (const name of benches) t.true(html.includes(name));
});

test.serial("Ctrl-C during a failover test stops cleanly: the link comes back and the next up converges", async (t) => {
    let cliPid = 0;
    const interrupted = mptcpLab(["test", "--stack", "t-class-1"], { onStart: (pid) => (cliPid = pid) });
    const deadline = Date.now() + 120_000;
    while (!(await wlan0IsDown("t-class-1"))) {
        if (Date.now() > deadline) t.fail("the failover test never took wlan0 down");
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The launcher execs node, so this is the CLI process itself.
    process.kill(cliPid, "SIGINT");
    const run = await interrupted;
    t.regex(run.stderr, /cancelling/);
    t.false(await wlan0IsDown("t-class-1"), "wlan0 is up again when the command returns");
    const again = await mptcpLab(["up", "--stack", "t-class-1", "--no-table"]);
    t.is(again.code, 0, again.stderr);
});

test.serial("up brings back a bench that vanished, as at a reboot, and converges it with no drift left", async (t) => {
    await benchDown("t-class-2");
    const run = await mptcpLab(["up", "--stack", "t-class-2", "--no-table"]);
    t.is(run.code, 0, `${run.stdout}\n${run.stderr}`);
    t.regex(run.stdout + run.stderr, /t-class-2 is not running; starting it before the refresh/);
    const drift = await mptcpLab(["drift", "--stack", "t-class-2"]);
    t.is(drift.code, 0, `${drift.stdout}\n${drift.stderr}`);
});

test.serial("destroy removes every bench of the classroom", async (t) => {
    const run = await mptcpLab(["destroy", ...stackArgs, "--concurrency", "2"]);
    t.is(run.code, 0, run.stderr);
    for (const name of benches) t.is((await benchStatus(name)).state, "absent");
});
