// A classroom at scale on this machine: for each size N (default 1, 4 and 16), `mptcp-lab
// classroom init` of N emulated benches (t-scale-1..N, subnet indexes from 100), then, each as
// its own process, timed with the peak memory of its largest process and of its process tree:
// `up` of the N stacks from nothing (--concurrency 2), `up` again (the engine records the host
// facts the first changed), `up` a third time (converged: docs/converged.md), `drift` of the N
// clean stacks, `report` of the N, and `destroy`. Prints a table per size and drift's time
// against one stack's. The stacks are named with --stack, not --all, which would also take
// stacks/ own stacks (emulated, and seed-lab with real Raspberry Pi addresses).
// Run under the machine's integration lock:
//   node -r ts-node/register/transpile-only scripts/benchmark-scale.ts [--benches 1,4,16]
// Everything it made is removed at the end, whatever happened.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { benchDown } from "../bench";
import { forgetConverged } from "../cli/converged";
import { openLabStack } from "../cli/lab-stacks";
import { stackFilePath } from "../cli/stack-files";
import { repositoryRoot } from "../toolchain";
import { type Measurement, measure } from "./lib/measure";

const PREFIX = "t-scale";
const FIRST_INDEX = 100;
const cli = path.join(repositoryRoot, "cli", "mptcp-lab");

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function timed(logFile: string, step: string, args: string[], okCodes = [0]): Promise<Measurement & { step: string }> {
    const result = await measure([cli, ...args], { cwd: repositoryRoot, env: { ...process.env, CI: "true" }, logFile });
    if (!okCodes.includes(result.exitCode)) throw new Error(`mptcp-lab ${args.slice(0, 3).join(" ")} ... exited with ${result.exitCode}; see ${logFile}`);
    process.stderr.write(`  ${step}: ${result.wallSeconds.toFixed(1)} s wall, ${result.cpuSeconds.toFixed(1)} s CPU, largest ${mib(result.largestBytes)} (${result.largestName}), tree ${mib(result.treeBytes)}\n`);
    return { ...result, step };
}

async function removeAll(names: readonly string[], logFile: string): Promise<void> {
    for (const name of names) {
        const stack = await openLabStack(name).catch(() => undefined);
        await stack?.destroy().catch((error: Error) => fs.appendFileSync(logFile, `destroy ${name} failed: ${error.message}\n`));
        await stack?.workspace.removeStack(name).catch(() => undefined);
        fs.rmSync(stackFilePath(name), { force: true });
        forgetConverged(name);
        await benchDown(name).catch(() => undefined);
    }
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { benches: { type: "string", default: "1,4,16" } } });
    const sizes = values.benches.split(",").map(Number);
    if (sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 32)) throw new Error(`--benches takes numbers 1 to 32 separated by commas, not ${values.benches}`);
    const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-scale-")), "commands.log");
    const outDir = path.join(path.dirname(logFile), "report");
    process.stderr.write(`commands' output: ${logFile}\n`);
    const rows: string[] = [];
    let oneStackDrift: number | undefined;
    for (const size of sizes) {
        const names = Array.from({ length: size }, (_, i) => `${PREFIX}-${i + 1}`);
        const stackArgs = names.flatMap((name) => ["--stack", name]);
        process.stderr.write(`${size} bench(es):\n`);
        try {
            await timed(logFile, "classroom init", ["classroom", "init", "--benches", String(size), "--from", "emulated", "--prefix", PREFIX, "--first-index", String(FIRST_INDEX), "--force"]);
            const steps = [
                await timed(logFile, "up from nothing", ["up", ...stackArgs, "--concurrency", "2", "--no-table"]),
                // The second up still runs the engine: its refresh records the host facts the first changed (iperf3 installed).
                await timed(logFile, "up again", ["up", ...stackArgs, "--no-table"]),
                await timed(logFile, "up a third time (converged)", ["up", ...stackArgs, "--no-table"]),
                await timed(logFile, "drift", ["drift", ...stackArgs]),
                await timed(logFile, "report", ["report", ...stackArgs, "--out", outDir]),
                await timed(logFile, "destroy", ["destroy", ...stackArgs, "--concurrency", "2"]),
            ];
            const drift = steps.find((step) => step.step === "drift")!;
            if (size === 1) oneStackDrift = drift.wallSeconds;
            for (const step of steps) {
                const versusOne = step.step === "drift" && oneStackDrift ? ` (${(step.wallSeconds / oneStackDrift).toFixed(2)}x one stack)` : "";
                rows.push(`| ${size} | ${step.step} | ${step.wallSeconds.toFixed(1)}${versusOne} | ${step.cpuSeconds.toFixed(1)} | ${mib(step.largestBytes)} (${step.largestName}) | ${mib(step.treeBytes)}, ${step.treeProcesses} processes | ${step.loadAverage.toFixed(2)} |`);
            }
        } finally {
            await removeAll(names, logFile);
        }
    }
    process.stdout.write(`\nmachine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.release()}\n\n`);
    process.stdout.write(["| benches | command | wall s | CPU s | peak largest process | peak tree | load at start |", "|---|---|---|---|---|---|---|", ...rows, ""].join("\n"));
    fs.rmSync(outDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
