// Fault injection through the command line: `mptcp-lab up` of an emulated stack killed with SIGKILL
// at five moments (bench start, package install, iperf3 build, endpoints, failover test). After each
// kill every lab link on both hosts is up, the next `up` exits 0 with no manual step, `drift` exits
// 0, and no engine process of the killed run is left. One bench for every point: each point changes
// what makes its step run again (a bench taken down, a headers package, an iperf3 tag, endpoints
// removed on a host, a failover run token).
import test, { type ExecutionContext } from "ava";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { benchDown } from "../../bench";
import { RUN_MARK } from "../../cli/run-reaper";
import { repositoryRoot } from "../../toolchain";
import { inHost, onHost, removeTestStack, TestLabOptions, testLab, writeStackFile } from "./lab-harness";

const name = "t-killup";
const upstream = "https://github.com/esnet/iperf.git";
/** The lab at a given iperf3 tag, headers package and failover run token. */
const lab = (tag: string, headers = "linux-libc-dev", runToken = "1"): TestLabOptions => ({
    name,
    index: 33,
    iperf3: { source: { repository: upstream, tag }, mptcp: "native" },
    hosts: { client: { headers }, server: { headers } },
    failover: { control: false, runToken },
});
const hosts = ["client", "server"];

interface CliRun {
    code: number | null;
    signal: NodeJS.Signals | null;
    output: string;
}

/** Runs the command line as a user would, in a process group of its own, without a terminal. */
function mptcpLab(args: string[], watch?: (child: { pid: number; output: () => string; ended: () => boolean }) => void): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(path.join(repositoryRoot, "cli", "mptcp-lab"), args, { env: { ...process.env, CI: "true" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let output = "";
        let ended = false;
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("error", reject);
        child.on("spawn", () => watch?.({ pid: child.pid!, output: () => output, ended: () => ended }));
        child.on("close", (code, signal) => {
            ended = true;
            resolve({ code, signal, output });
        });
    });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a condition every 100 ms until it holds or `stop` does; true when it held. */
async function until(condition: () => Promise<boolean> | boolean, stop: () => boolean, timeoutMs = 600_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !stop()) {
        if (await condition()) return true;
        await pause(100);
    }
    return false;
}

const succeeds = (work: Promise<unknown>) => work.then(() => true, () => false);

/**
 * Starts `up`, waits for the kill point (a progress line, then an optional host condition), and
 * kills the command itself with SIGKILL, as the OOM killer or `kill -9` would: the engine it
 * started is left for the run's own watcher. Returns the killed command's PID.
 */
async function killedUp(t: ExecutionContext, progress: RegExp, moment: () => Promise<boolean> = async () => true): Promise<number> {
    let pid = 0;
    let reached = false;
    const run = mptcpLab(["up", "--stack", name, "--no-table"], (child) => {
        pid = child.pid;
        void (async () => {
            reached = (await until(() => progress.test(child.output()), child.ended)) && (await until(moment, child.ended));
            if (!child.ended()) process.kill(child.pid, "SIGKILL");
        })();
    });
    const killed = await run;
    t.log(`killed up at: ${killed.output.trim().split("\n").slice(-2).join(" | ")}`);
    t.is(killed.signal, "SIGKILL", `up ended before the kill point:\n${killed.output}`);
    t.true(reached, "the kill point was reached");
    return pid;
}

async function linkStates(): Promise<Record<string, boolean>> {
    const states: Record<string, boolean> = {};
    for (const host of hosts) {
        const links = JSON.parse(await inHost(name, host, ["ip", "-j", "link", "show"])) as { ifname: string; flags: string[] }[];
        for (const ifname of ["eth0", "wlan0"]) states[`${host}:${ifname}`] = links.find((link) => link.ifname === ifname)?.flags.includes("UP") ?? false;
    }
    return states;
}

/** Every lab link of both hosts is up; a host restores a link a killed failover test took down by
 *  itself (at the run's up time, its watchdog 5 s later), so this waits up to 30 s for that. */
async function assertLinksUp(t: ExecutionContext, when: string): Promise<void> {
    let states: Record<string, boolean> = {};
    await until(async () => Object.values((states = await linkStates())).every(Boolean), () => false, 30_000);
    t.deepEqual(Object.entries(states).filter(([, up]) => !up).map(([link]) => link), [], `links down ${when}`);
}

/** The engine processes (pulumi and its plugins, node running @pulumi/pulumi's commands) that carry
 *  the mark of the run whose command had this PID. */
function engineProcessesOfRun(pid: number): string[] {
    const found: string[] = [];
    for (const entry of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
        try {
            const environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
            if (!environ.some((variable) => variable.startsWith(`${RUN_MARK}=${pid}-`))) continue;
            const words = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
            if (path.basename(words[0] ?? "").startsWith("pulumi") || words.slice(1).some((word) => word.includes("@pulumi/pulumi/cmd/"))) found.push(`${entry} ${words.join(" ")}`);
        } catch {
            // the process ended while it was read
        }
    }
    return found;
}

/** The engine's plugin and provider processes on this machine, as `pid command`. */
function pluginProcesses(): Set<string> {
    const found = new Set<string>();
    for (const entry of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
        try {
            const command = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
            if (/pulumi-resource-|dynamic-provider/.test(command)) found.add(`${entry} ${command.trim()}`);
        } catch {
            // the process ended while it was read
        }
    }
    return found;
}

/** After a kill: the next up converges, drift finds nothing, and the killed run left no engine process. */
async function assertRecovers(t: ExecutionContext, killedPid: number): Promise<void> {
    const up = await mptcpLab(["up", "--stack", name, "--no-table"]);
    t.is(up.code, 0, up.output);
    await assertLinksUp(t, "after the next up");
    const drift = await mptcpLab(["drift", "--stack", name]);
    t.is(drift.code, 0, drift.output);
    let left: string[] = [];
    await until(() => (left = engineProcessesOfRun(killedPid)).length === 0, () => false, 20_000);
    t.deepEqual(left, [], "engine processes of the killed run");
}

let pluginsBefore = new Set<string>();

test.before(async () => {
    pluginsBefore = pluginProcesses();
    await benchDown(name).catch(() => undefined);
    writeStackFile(name, testLab(lab("3.21")));
});

test.after.always(() => removeTestStack(name));

test.serial("up killed during bench start: the next up converges and drift finds nothing", async (t) => {
    const pid = await killedUp(t, /(?:)/, async () => fs.existsSync(`/run/netns/mlab-${name}-server`));
    await assertRecovers(t, pid);
});

test.serial("up killed during the package install: links stay up, the next up converges and drift finds nothing", async (t) => {
    writeStackFile(name, testLab(lab("3.21", "libssl-dev")));
    // onHost's words reach the host's shell: the pattern is quoted there, and [a] keeps pgrep's own shell out.
    const pid = await killedUp(t, /headers: \S+-install \S+ running/, () => succeeds(onHost(name, "client", ["pgrep", "-f", "'[a]pt-get .*install|[d]pkg '"])));
    await assertLinksUp(t, "after the kill");
    await assertRecovers(t, pid);
});

test.serial("up killed during the iperf3 build: links stay up, the next up converges and drift finds nothing", async (t) => {
    writeStackFile(name, testLab(lab("3.20", "libssl-dev")));
    const pid = await killedUp(t, /iperf3: \S+-install \S+ running/, () => succeeds(onHost(name, "client", ["pgrep", "-x", "make"])));
    await assertLinksUp(t, "after the kill");
    await assertRecovers(t, pid);
});

test.serial("up killed while it sets endpoints removed on a host: links stay up, the next up converges and drift finds nothing", async (t) => {
    await inHost(name, "client", ["ip", "mptcp", "endpoint", "flush"]);
    const pid = await killedUp(t, /endpoints: \S+ \S+ running/);
    await assertLinksUp(t, "after the kill");
    await assertRecovers(t, pid);
});

test.serial("up killed during the failover test with wlan0 down: the host brings it back, the next up converges and drift finds nothing", async (t) => {
    writeStackFile(name, testLab(lab("3.20", "libssl-dev", "2")));
    const wlan0Down = async () => !(await linkStates())["client:wlan0"];
    const pid = await killedUp(t, /failover test: \S+ \S+ running/, wlan0Down);
    await assertLinksUp(t, "after the kill");
    await assertRecovers(t, pid);
});

test.serial("no engine plugin or provider process is left beyond those running before the test", async (t) => {
    let added: string[] = [];
    await until(() => (added = [...pluginProcesses()].filter((process) => !pluginsBefore.has(process))).length === 0, () => false, 20_000);
    t.deepEqual(added, []);
});
