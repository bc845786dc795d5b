// Is the shaping to blame for iperf3's jumpy 0.1 s samples? Runs 5 s of iperf3 (-i 0.1) over one
// 100 Mbit/s path of the failover test's namespace bench (test/failover/netns-bench.ts), with each
// shaping below, forward (the sender's samples) and reverse (the receiver's), MPTCP under
// mptcpize and plain TCP, and prints how much single samples and 0.5 s windows vary. As root,
// under the machine's integration lock:
//   flock /run/mptcp-lab-dev-integration.lock node -r ts-node/register/transpile-only scripts/benchmark-sampling.ts
import { execFileSync, spawn } from "node:child_process";
import { egressShapingCommands } from "../bench/shaping";
import { ADDRESSES, CLIENT, createBench, destroyBench, SERVER } from "../test/failover/netns-bench";

const PATH_MBIT = 100;
const SECONDS = 5;

const run = (command: string, args: readonly string[]): string => execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const SHAPINGS: readonly { name: string; commands: (device: string) => string[][] }[] = [
    { name: "tbf, burst 128 KB, latency 50 ms", commands: (device) => [["qdisc", "replace", "dev", device, "root", "tbf", "rate", `${PATH_MBIT}mbit`, "burst", `${PATH_MBIT * 1280}b`, "latency", "50ms"]] },
    { name: "htb as the bench, burst 1 ms", commands: (device) => egressShapingCommands(device, { rateMbit: PATH_MBIT, delayMs: 0 }, false) },
    { name: "htb as the bench, queue 100", commands: (device) => egressShapingCommands(device, { rateMbit: PATH_MBIT, delayMs: 0 }, false).map((args) => args.map((arg) => (arg === "1000" ? "100" : arg))) },
];

/** Spread of the samples after the first second: coefficient of variation, empty samples, 0.5 s windows. */
function describe(samples: readonly number[]): string {
    const steady = samples.slice(10);
    const mean = steady.reduce((sum, value) => sum + value, 0) / steady.length;
    const deviation = Math.sqrt(steady.reduce((sum, value) => sum + (value - mean) ** 2, 0) / steady.length);
    const empty = steady.filter((value) => value < 0.1 * mean).length;
    const windows = steady.slice(4).map((_, i) => steady.slice(i, i + 5).reduce((sum, value) => sum + value, 0) / 5);
    return `mean ${mean.toFixed(0)} Mbit/s, cv ${(deviation / mean).toFixed(2)}, empty ${empty}/${steady.length}, ` +
        `0.5 s windows ${Math.min(...windows).toFixed(0)}-${Math.max(...windows).toFixed(0)}; ${steady.slice(0, 10).map((value) => value.toFixed(0)).join(" ")}`;
}

async function samples(mptcpize: boolean, reverse: boolean, port: number): Promise<number[]> {
    const wrapper = mptcpize ? ["mptcpize", "run"] : [];
    const server = spawn("ip", ["netns", "exec", SERVER, "timeout", String(SECONDS + 20), ...wrapper, "iperf3", "-s", "-1", "-p", String(port), "-B", "0.0.0.0"], { stdio: "ignore" });
    const exited = new Promise((resolve) => server.on("exit", resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const output = run("ip", ["netns", "exec", CLIENT, "timeout", String(SECONDS + 15), ...wrapper, "iperf3", "-c", ADDRESSES.server.wlan0, "-B", ADDRESSES.client.wlan0,
        "-p", String(port), "-t", String(SECONDS), "-i", "0.1", "-J", ...(reverse ? ["-R"] : [])]);
    await exited;
    return (JSON.parse(output) as { intervals: { sum: { bits_per_second: number } }[] }).intervals.map((interval) => interval.sum.bits_per_second / 1e6);
}

async function main(): Promise<void> {
    createBench();
    try {
        // One path: wlan0 to wlan0, eth0 down on both hosts.
        for (const namespace of [CLIENT, SERVER]) run("ip", ["-n", namespace, "link", "set", "eth0", "down"]);
        let port = 5701;
        for (const shaping of SHAPINGS) {
            for (const namespace of [CLIENT, SERVER]) {
                run("tc", ["-n", namespace, "qdisc", "del", "dev", "wlan0", "root"]);
                for (const args of shaping.commands("wlan0")) run("tc", ["-n", namespace, ...args]);
            }
            for (const mptcpize of [true, false]) {
                for (const reverse of [false, true]) {
                    const found = await samples(mptcpize, reverse, port++);
                    console.log(`${shaping.name} | ${mptcpize ? "mptcpize" : "tcp"} ${reverse ? "reverse (receiver's samples)" : "forward (sender's samples)"} | ${describe(found)}`);
                }
            }
        }
    } finally {
        destroyBench();
    }
}

void main();
