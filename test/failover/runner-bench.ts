// A two-host bench for the runner's integration test: the emulated bench's own client and server,
// systemd-nspawn machines with systemd as PID 1 (the runner hands a failed link's restore to it),
// with Debian's iperf3 and mptcpize, the seed's endpoints and limits, and the runner installed
// where the failover test puts it. The runner is called as the failover test calls it: over SSH as
// `pi`, through `sudo -n`.
import { spawn } from "child_process";
import * as os from "os";
import { benchDown, benchStatus, benchUp, defaultBenchPlan } from "../../bench";
import { run } from "../../bench/exec";
import { machineInit, runInMachine } from "../../bench/host";
import { readRuntimeState } from "../../bench/state";
import { runnerScriptPath } from "../../failover";
import { shellQuote } from "../../remote/shell";
import * as fs from "fs";

export const BENCH = "t-runner";
const INDEX = 46;
export const CLIENT = "client";
export const SERVER = "server";
export type HostName = typeof CLIENT | typeof SERVER;
/** Where the failover test installs the runner on a host. */
export const REMOTE_RUNNER = "/usr/local/lib/mptcp-lab/run-failover.sh";

const plan = defaultBenchPlan(BENCH, INDEX);
const addressOf = (host: HostName, device: string): string => {
    const cidr = plan.hosts.find((h) => h.name === host)?.interfaces.find((i) => i.name === device)?.cidr;
    if (cidr === undefined) throw new Error(`the bench plan has no ${host} ${device}`);
    return cidr.split("/")[0];
};
export const ADDRESSES = {
    client: { eth0: addressOf(CLIENT, "eth0"), wlan0: addressOf(CLIENT, "wlan0") },
    server: { eth0: addressOf(SERVER, "eth0"), wlan0: addressOf(SERVER, "wlan0") },
} as const;

function namespaceOf(host: HostName): string {
    const namespace = readRuntimeState(BENCH)?.names.hostNamespaces[host];
    if (namespace === undefined) throw new Error(`bench ${BENCH} has no host ${host}`);
    return namespace;
}

/** Runs a bash script inside the host's machine as its root (not through SSH); its stdout. */
export async function inHost(host: HostName, script: string, args: readonly string[] = [], timeoutMs = 60_000): Promise<string> {
    const init = machineInit(namespaceOf(host));
    if (init === undefined) throw new Error(`no machine runs as ${host} on bench ${BENCH}`);
    const result = await runInMachine(init, ["/bin/bash", "-euo", "pipefail", "-c", script, "bash", ...args], { timeoutMs });
    if (!result.ok) throw new Error(`${host}: script failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    return result.stdout;
}

/** Boots the bench and prepares both hosts; removes what an interrupted run left first. */
export async function createBench(): Promise<void> {
    await benchDown(BENCH, { purge: true });
    await benchUp(plan);
    const runner = fs.readFileSync(runnerScriptPath).toString("base64");
    const limits = "ip mptcp limits set subflows 2 add_addr_accepted 2";
    const prepare = (endpoint: string) =>
        `apt-get update -q >/dev/null\nDEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iperf3 mptcpize >/dev/null\n` +
        `mkdir -p "$(dirname "$2")"\nprintf %s "$1" | base64 -d >"$2"\nchmod 0755 "$2"\n` +
        `ip mptcp endpoint flush\n${endpoint}\n${limits}\n`;
    await Promise.all([
        inHost(CLIENT, prepare(`ip mptcp endpoint add ${ADDRESSES.client.wlan0} dev wlan0 subflow`), [runner, REMOTE_RUNNER], 300_000),
        inHost(SERVER, prepare(`ip mptcp endpoint add ${ADDRESSES.server.wlan0} dev wlan0 signal`), [runner, REMOTE_RUNNER], 300_000),
    ]);
}

export async function destroyBench(): Promise<void> {
    await benchDown(BENCH, { purge: true });
}

export async function linkIsUp(host: HostName, device: string): Promise<boolean> {
    const { stdout } = await run("ip", ["-n", namespaceOf(host), "-o", "link", "show", "dev", device]);
    return /<[^>]*\bUP\b[^>]*>/.test(stdout);
}

export async function setLink(host: HostName, device: string, state: "up" | "down"): Promise<void> {
    await run("ip", ["-n", namespaceOf(host), "link", "set", "dev", device, state]);
}

export async function endpointTable(host: HostName): Promise<string> {
    return (await run("ip", ["-n", namespaceOf(host), "mptcp", "endpoint", "show"])).stdout;
}

/** The runner's transient units on the host, loaded or not yet collected, one line each. */
export async function runnerUnits(host: HostName): Promise<string[]> {
    const listed = await inHost(host, "systemctl list-units --all --plain --no-legend 'mptcp-lab-*'");
    return listed.split("\n").filter((line) => line.trim() !== "");
}

/** A file the runner wrote on the host, or undefined. */
export async function readHostFile(host: HostName, file: string): Promise<string | undefined> {
    const text = await inHost(host, 'if [ -f "$1" ]; then printf 1; cat -- "$1"; fi', [file]);
    return text === "" ? undefined : text.slice(1);
}

/**
 * Sends a signal to the runner's main process on the host: the bash running that subcommand that
 * sudo started (its subshells, and those a killed runner left, run the same command line).
 */
export async function signalRunner(host: HostName, subcommand: string, signal: "KILL" | "TERM"): Promise<void> {
    const script = `for pid in $(pgrep -f -- "^bash $1 $2 "); do
    parent=$(ps -o ppid= -p "$pid" | tr -d ' ')
    if [[ $(ps -o comm= -p "$parent") == sudo ]]; then kill -s "$3" "$pid"; exit 0; fi
done
echo "no runner of $2 started by sudo" >&2
exit 1`;
    await inHost(host, script, [REMOTE_RUNNER, subcommand, signal]);
}

export interface Started {
    /** The local ssh client's PID: killing it drops the SSH session. */
    pid: number;
    /** Resolves with the exit status ssh reports, or 128 + signal number. */
    exited: Promise<number>;
}

/**
 * Runs the runner on the host over SSH as the failover test does (`pi`, `sudo -n`), with the
 * bench's key and pinned host keys. stdout and stderr are pipes, so `exited` waits until every
 * holder of the session's output has closed it.
 */
export async function startRunner(host: HostName, args: readonly string[]): Promise<Started> {
    const status = await benchStatus(BENCH);
    const target = status.hosts.find((h) => h.name === host);
    if (target === undefined) throw new Error(`bench ${BENCH} has no host ${host}`);
    const options = ["-i", status.privateKeyPath, "-o", `UserKnownHostsFile=${status.knownHostsPath}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"];
    const command = ["sudo", "-n", "bash", REMOTE_RUNNER, ...args].map(shellQuote).join(" ");
    const child = spawn("ssh", [...options, `${target.user}@${target.managementAddress}`, "--", command], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.resume();
    child.stderr.resume();
    const exited = new Promise<number>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code: number | null, signal: NodeJS.Signals | null) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
    if (child.pid === undefined) throw new Error(`could not start ssh to ${host}`);
    return { pid: child.pid, exited };
}

export async function runRunner(host: HostName, args: readonly string[]): Promise<number> {
    return (await startRunner(host, args)).exited;
}

export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await condition()) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return condition();
}
