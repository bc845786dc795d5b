// Benchmark of the lab stack on an emulated bench of its own (bench t-bench-lab, 198.18.8.0/24):
// `pulumi up` from nothing on a warm machine, no-op `pulumi up` (target: under 8 s), `up` with
// refresh (what `mptcp-lab up` runs), destroy, and the peak memory of the Pulumi program and of
// the dynamic-provider process, sampled from /proc while they run.
// Run: node -r ts-node/register/transpile-only scripts/benchmark-lab.ts [--rounds N]
import * as fs from "fs";
import { createTestStack } from "../test/integration/lab-harness";

interface Peak {
    program: number;
    providers: number;
}

/** Samples the resident set of the program (cmd/run) and provider (dynamic-provider) processes. */
function sampleMemory(): { stop(): Peak } {
    const peak: Peak = { program: 0, providers: 0 };
    const timer = setInterval(() => {
        const totals: Peak = { program: 0, providers: 0 };
        for (const pid of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
            try {
                const command = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                const kind = command.includes("@pulumi/pulumi/cmd/run") ? "program" : command.includes("cmd/dynamic-provider") ? "providers" : undefined;
                if (!kind) continue;
                const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
                if (rss) totals[kind] += Number(rss[1]) * 1024;
            } catch {
                // The process ended between listing and reading.
            }
        }
        peak.program = Math.max(peak.program, totals.program);
        peak.providers = Math.max(peak.providers, totals.providers);
    }, 100);
    return {
        stop() {
            clearInterval(timer);
            return peak;
        },
    };
}

async function timed<T>(label: string, action: () => Promise<T>): Promise<{ seconds: number; peak: Peak; value: T }> {
    const sampler = sampleMemory();
    const start = process.hrtime.bigint();
    const value = await action();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const peak = sampler.stop();
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    console.log(`${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s   program peak ${mib(peak.program)} MiB, providers peak ${mib(peak.providers)} MiB`);
    return { seconds, peak, value };
}

async function main() {
    const roundsFlag = process.argv.indexOf("--rounds");
    const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 3;
    const { stack, cleanup } = await createTestStack({ name: "t-bench-lab", index: 8 }, console.error);
    try {
        await timed("up from nothing (warm machine)", () => stack.up());
        const noOps: number[] = [];
        for (let round = 1; round <= rounds; round++) noOps.push((await timed(`no-op up, round ${round}`, () => stack.up())).seconds);
        for (let round = 1; round <= rounds; round++) await timed(`up with refresh, round ${round}`, () => stack.up({ refresh: true }));
        await timed("destroy", () => stack.destroy());
        noOps.sort((a, b) => a - b);
        console.log(`no-op up median ${noOps[Math.floor(noOps.length / 2)].toFixed(2)} s (target under 8 s)`);
    } finally {
        await cleanup();
    }
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
