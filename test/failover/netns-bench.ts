// A two-host failover bench in network namespaces for the runner's integration test: fo-client
// and fo-server, each with eth0 and wlan0 on one bridge in fo-switch, on 198.18.200.0/24, with
// the host settings that same-subnet multihoming needs.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";

export const SWITCH = "fo-switch";
export const CLIENT = "fo-client";
export const SERVER = "fo-server";
const NAMESPACES = [SWITCH, CLIENT, SERVER];

export const ADDRESSES = {
    client: { eth0: "198.18.200.133", wlan0: "198.18.200.173" },
    server: { eth0: "198.18.200.218", wlan0: "198.18.200.237" },
} as const;
const RATE_MBIT = { eth0: 200, wlan0: 100 } as const;
/** Per-source routing tables: traffic from an interface's address leaves through it. */
const TABLES = { eth0: 100, wlan0: 101 } as const;

export const REQUIRED_COMMANDS = ["ip", "tc", "ss", "iperf3", "mptcpize", "stdbuf", "setsid", "timeout", "bash"];

function run(command: string, args: readonly string[]): string {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
const inNamespace = (namespace: string, args: readonly string[]): string =>
    run("ip", ["netns", "exec", namespace, ...args]);

/** What keeps the bench from running here, e.g. `not root`, `iperf3 missing`. */
export function missingPrerequisites(): string[] {
    const missing: string[] = [];
    if (process.getuid?.() !== 0) missing.push("not root");
    for (const command of REQUIRED_COMMANDS) {
        try {
            run("sh", ["-c", 'command -v "$1"', "sh", command]);
        } catch {
            missing.push(`${command} missing`);
        }
    }
    const enabled = "/proc/sys/net/mptcp/enabled";
    if (!fs.existsSync(enabled) || fs.readFileSync(enabled, "utf8").trim() !== "1") missing.push("kernel MPTCP disabled");
    return missing;
}

const existingNamespaces = (): string[] =>
    run("ip", ["netns", "list"])
        .split("\n")
        .map((line) => line.split(" ")[0])
        .filter((name) => NAMESPACES.includes(name));

/** Processes inside our namespaces: all of them were started by this test. */
export function namespacePids(namespace: string): number[] {
    try {
        return run("ip", ["netns", "pids", namespace])
            .split("\n")
            .filter((line) => /^\d+$/.test(line))
            .map(Number);
    } catch {
        return [];
    }
}

export function killNamespaceProcesses(namespace: string): void {
    for (const pid of namespacePids(namespace)) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

export function destroyBench(): void {
    for (const namespace of existingNamespaces()) {
        killNamespaceProcesses(namespace);
        run("ip", ["netns", "delete", namespace]);
    }
}

/** Re-adds the per-source routes: the kernel drops a table's route when its link goes down. */
export function applyPolicyRoutes(): void {
    for (const [namespace, host] of [[CLIENT, ADDRESSES.client], [SERVER, ADDRESSES.server]] as const) {
        for (const device of ["eth0", "wlan0"] as const) {
            run("ip", ["-n", namespace, "route", "replace", "198.18.200.0/24", "dev", device, "src", host[device], "table", String(TABLES[device])]);
        }
    }
}

export function createBench(): void {
    destroyBench(); // leftovers of an interrupted run
    for (const namespace of NAMESPACES) run("ip", ["netns", "add", namespace]);
    run("ip", ["-n", SWITCH, "link", "add", "br0", "type", "bridge"]);
    run("ip", ["-n", SWITCH, "link", "set", "br0", "up"]);
    for (const [namespace, host, prefix] of [[CLIENT, ADDRESSES.client, "c"], [SERVER, ADDRESSES.server, "s"]] as const) {
        inNamespace(namespace, ["sysctl", "-qw",
            // Answer ARP only on the interface that owns the address, and announce with it:
            // otherwise either interface answers for both addresses (ARP flux).
            "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
            // Loose: replies to wlan0's address arrive on wlan0 although eth0's route comes first.
            "net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.default.rp_filter=2"]);
        run("ip", ["-n", namespace, "link", "set", "lo", "up"]);
        for (const device of ["eth0", "wlan0"] as const) {
            const port = `${prefix}-${device}`;
            run("ip", ["link", "add", device, "netns", namespace, "type", "veth", "peer", "name", port, "netns", SWITCH]);
            run("ip", ["-n", SWITCH, "link", "set", port, "master", "br0", "up"]);
            run("ip", ["-n", namespace, "addr", "add", `${host[device]}/24`, "dev", device]);
            run("ip", ["-n", namespace, "link", "set", device, "up"]);
            const rate = RATE_MBIT[device];
            inNamespace(namespace, ["tc", "qdisc", "replace", "dev", device, "root", "tbf", "rate", `${rate}mbit`, "burst", `${rate * 1280}b`, "latency", "50ms"]);
            run("ip", ["-n", namespace, "rule", "add", "from", host[device], "table", String(TABLES[device]), "priority", String(TABLES[device])]);
        }
    }
    applyPolicyRoutes();
    run("ip", ["-n", CLIENT, "mptcp", "endpoint", "add", ADDRESSES.client.wlan0, "dev", "wlan0", "subflow"]);
    run("ip", ["-n", SERVER, "mptcp", "endpoint", "add", ADDRESSES.server.wlan0, "dev", "wlan0", "signal"]);
    for (const namespace of [CLIENT, SERVER]) {
        run("ip", ["-n", namespace, "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"]);
    }
}

/** Alive and not a zombie (in a container init may reap the detached processes late). */
export function processRunning(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
        return false;
    }
}

export function linkIsUp(namespace: string, device: string): boolean {
    return /<[^>]*\bUP\b[^>]*>/.test(run("ip", ["-n", namespace, "-o", "link", "show", "dev", device]));
}

export function setLink(namespace: string, device: string, state: "up" | "down"): void {
    run("ip", ["-n", namespace, "link", "set", "dev", device, state]);
}

export interface Started {
    pid: number;
    /** Resolves with the exit status, or 128 + signal number. */
    exited: Promise<number>;
}

/**
 * Runs the runner script inside a namespace, without a shell. With `pipes`, stdout and stderr
 * are pipes, as over SSH, and `exited` waits until every holder of them has closed them.
 */
export function startRunner(namespace: string, script: string, args: readonly string[], pipes = false): Started {
    const child = spawn("ip", ["netns", "exec", namespace, "bash", script, ...args], { stdio: pipes ? ["ignore", "pipe", "pipe"] : "ignore" });
    child.stdout?.resume();
    child.stderr?.resume();
    const exited = new Promise<number>((resolve, reject) => {
        child.on("error", reject);
        child.on(pipes ? "close" : "exit", (code: number | null, signal: NodeJS.Signals | null) =>
            resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
    if (child.pid === undefined) throw new Error(`could not start the runner in ${namespace}`);
    return { pid: child.pid, exited };
}

export async function runRunner(namespace: string, script: string, args: readonly string[]): Promise<number> {
    return startRunner(namespace, script, args).exited;
}

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (condition()) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return condition();
}
