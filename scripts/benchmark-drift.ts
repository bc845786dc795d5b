// Benchmark of `mptcp-lab drift` on this machine:
//   node -r ts-node/register/transpile-only scripts/benchmark-drift.ts [--rounds N] [--json]
// Brings up four emulated test stacks (t-drift1..4 on subnet indexes 11..14), then times the
// command end to end, as a person runs it: one 2-host stack (target: under 5 s), and 1 to 4
// stacks at once (--concurrency 4) against the same 4 one after another (--concurrency 1), to show
// how the time grows with the number of stacks. The stacks are named explicitly rather than with
// --all, which would also check every other stack in stacks/. Everything is destroyed at the end.
import { spawn } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { checkBenchPrerequisites } from "../bench";
import { repositoryRoot } from "../toolchain";
import { createTestStack, type TestStack } from "../test/integration/lab-harness";

const STACKS = [1, 2, 3, 4].map((n) => ({ name: `t-drift${n}`, index: 10 + n }));
const TARGET_SINGLE_MS = 5_000;
const cli = path.join(repositoryRoot, "cli", "mptcp-lab");

interface Timing {
    readonly ms: number;
    readonly exitCode: number;
}

/** Runs `mptcp-lab drift` as a separate process and times it from spawn to exit. */
function timeDrift(stackNames: readonly string[], concurrency: number): Promise<Timing> {
    const args = ["drift", ...stackNames.flatMap((name) => ["--stack", name]), "--concurrency", String(concurrency), "--json"];
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
        const child = spawn(cli, args, { stdio: ["ignore", "ignore", "inherit"] });
        child.on("error", reject);
        child.on("close", (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, exitCode: code ?? -1 }));
    });
}

function summary(timings: readonly Timing[]) {
    const sorted = timings.map((timing) => timing.ms).sort((a, b) => a - b);
    return {
        medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
        minMs: Math.round(sorted[0]),
        maxMs: Math.round(sorted[sorted.length - 1]),
        runs: sorted.length,
        exitCodes: [...new Set(timings.map((timing) => timing.exitCode))],
    };
}

/** Two at a time: each `up` builds a bench and installs packages, and the machine may have 2 cores. */
async function upAll(stacks: readonly TestStack[], log: (line: string) => void): Promise<void> {
    for (let first = 0; first < stacks.length; first += 2) {
        await Promise.all(
            stacks.slice(first, first + 2).map(async ({ stack }) => {
                const started = Date.now();
                await stack.up();
                log(`up ${stack.name}: ${Math.round((Date.now() - started) / 1000)} s`);
            }),
        );
    }
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, json: { type: "boolean", default: false } } });
    const rounds = Math.max(1, Number(values.rounds));
    const log = (line: string) => process.stderr.write(`${line}\n`);
    await checkBenchPrerequisites();
    const stacks: TestStack[] = [];
    const result: Record<string, unknown> = { machine: { cores: os.cpus().length, kernel: os.release(), loadAverage: os.loadavg().map((load) => load.toFixed(2)) }, rounds };
    try {
        for (const { name, index } of STACKS) stacks.push(await createTestStack({ name, index }, log));
        await upAll(stacks, log);
        const names = STACKS.map((stack) => stack.name);
        await timeDrift(names.slice(0, 1), 1); // warm the caches (ts-node, the engine's plugins)
        const measure = async (count: number, concurrency: number) => {
            const timings: Timing[] = [];
            for (let round = 0; round < rounds; round += 1) timings.push(await timeDrift(names.slice(0, count), concurrency));
            return summary(timings);
        };
        const single = await measure(1, 1);
        const growth: Record<string, unknown> = {};
        for (const count of [2, 3, 4]) growth[`${count} stacks, concurrency 4`] = await measure(count, 4);
        growth["4 stacks, concurrency 1"] = await measure(4, 1);
        Object.assign(result, { "1 stack (2 hosts)": single, ...growth, targets: { singleStackUnder5s: single.maxMs < TARGET_SINGLE_MS } });
    } finally {
        for (const testStack of stacks) await testStack.cleanup();
    }
    if (values.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
    }
    for (const [key, value] of Object.entries(result)) process.stdout.write(`${key.padEnd(28)} ${JSON.stringify(value)}\n`);
}

main().catch((error: unknown) => {
    const details = error as { code?: string; hint?: string; message?: string };
    process.stderr.write(`benchmark failed: ${details.code ?? ""} ${details.message ?? String(error)}\n${details.hint ?? ""}\n`);
    process.exitCode = 1;
});
