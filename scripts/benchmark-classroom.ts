// Benchmark of a classroom on this machine: `mptcp-lab classroom init` of N emulated benches
// (t-class-1..N, subnet indexes from 20), `mptcp-lab up` of all of them from nothing at each
// concurrency, `mptcp-lab report` of them, then destroy. Failover tests take turns (one machine-wide
// lock), so the script also prints when each bench's test started, to show that they did not
// overlap. Every stack, file and bench it made is removed at the end, whatever happened.
// Run: node -r ts-node/register/transpile-only scripts/benchmark-classroom.ts [--benches 1,2,3] [--concurrency 1,2]
// (1+2+3 benches at two concurrencies is about twelve bench builds: tens of minutes.)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { benchDown } from "../bench";
import type { CommandIo } from "../cli/command";
import { openLabStack } from "../cli/lab-stacks";
import { stacksDir } from "../cli/stack-files";
import { main as mptcpLab } from "../cli/main";

const PREFIX = "t-class";
const FIRST_INDEX = 20;

function listFlag(name: string, fallback: number[]): number[] {
    const at = process.argv.indexOf(name);
    if (at < 0) return fallback;
    const values = (process.argv[at + 1] ?? "").split(",").map(Number);
    if (values.some((value) => !Number.isInteger(value) || value < 1 || value > 9)) throw new Error(`${name} takes numbers 1 to 9 separated by commas`);
    return values;
}

/** Runs an mptcp-lab command in this process; its output goes to a log file, not the terminal. */
async function run(log: fs.WriteStream, args: string[]): Promise<{ code: number; seconds: number }> {
    const io: CommandIo = { stdout: log, stderr: log, environment: { ...process.env, CI: "true" } };
    log.write(`\n$ mptcp-lab ${args.join(" ")}\n`);
    const start = process.hrtime.bigint();
    const code = await mptcpLab(args, io);
    return { code, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function cleanup(names: readonly string[], log: fs.WriteStream): Promise<void> {
    for (const name of names) {
        const stack = await openLabStack(name).catch(() => undefined);
        await stack?.destroy().catch((error: Error) => log.write(`destroy ${name} failed: ${error.message}\n`));
        await stack?.workspace.removeStack(name).catch(() => undefined);
        fs.rmSync(path.join(stacksDir, `Pulumi.${name}.yaml`), { force: true });
        await benchDown(name).catch(() => undefined);
    }
}

/** When each bench's failover test started (its run id is the start time) and the gaps between. */
async function testStarts(names: readonly string[]): Promise<string> {
    const starts: { name: string; at: number }[] = [];
    for (const name of names) {
        const outputs = await (await openLabStack(name)).outputs();
        const runId = (outputs.failover?.value as { runId?: string } | undefined)?.runId;
        const match = runId && /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z$/.exec(runId);
        if (match) starts.push({ name, at: Date.parse(`${match[1]}:${match[2]}:${match[3]}.${match[4]}Z`) });
    }
    starts.sort((a, b) => a.at - b.at);
    return starts.map((start, i) => `${start.name} +${((start.at - starts[0].at) / 1000).toFixed(1)} s${i > 0 ? ` (gap ${((start.at - starts[i - 1].at) / 1000).toFixed(1)} s)` : ""}`).join(", ");
}

async function benchmark() {
    const benchCounts = listFlag("--benches", [1, 2, 3]);
    const concurrencies = listFlag("--concurrency", [1, 2]);
    const logFile = path.join(os.tmpdir(), `benchmark-classroom-${process.pid}.log`);
    const log = fs.createWriteStream(logFile);
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchmark-classroom-report-"));
    console.log(`command output: ${logFile}`);
    for (const benches of benchCounts) {
        const names = Array.from({ length: benches }, (_, i) => `${PREFIX}-${i + 1}`);
        try {
            const init = await run(log, ["classroom", "init", "--benches", String(benches), "--from", "emulated", "--prefix", PREFIX, "--first-index", String(FIRST_INDEX), "--force"]);
            if (init.code !== 0) throw new Error(`classroom init exited with ${init.code} (see ${logFile})`);
            const stackArgs = names.flatMap((name) => ["--stack", name]);
            for (const concurrency of concurrencies) {
                const up = await run(log, ["up", ...stackArgs, "--concurrency", String(concurrency), "--no-table"]);
                const starts = await testStarts(names);
                const report = await run(log, ["report", ...stackArgs, "--out", outDir]);
                console.log(
                    `${benches} bench(es), concurrency ${concurrency}: up from nothing ${up.seconds.toFixed(1)} s (exit ${up.code}); report ${report.seconds.toFixed(2)} s (exit ${report.code}); failover tests started at ${starts}`,
                );
                const destroy = await run(log, ["destroy", ...stackArgs, "--concurrency", String(Math.max(...concurrencies))]);
                console.log(`${" ".repeat(String(benches).length)}   destroy ${destroy.seconds.toFixed(1)} s (exit ${destroy.code})`);
            }
        } finally {
            await cleanup(names, log);
        }
    }
    log.end();
    fs.rmSync(outDir, { recursive: true, force: true });
}

benchmark().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
