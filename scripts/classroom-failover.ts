// A classroom acceptance run: `mptcp-lab classroom init` of N identical emulated benches from the
// `emulated` stack, `mptcp-lab up` of all of them (failover tests take turns on the machine-wide
// lock), `mptcp-lab report` of them, then per bench its surviving rate, how far it lies from the
// median of all benches and whether that is within 15%. Destroys every stack, file and bench it made
// at the end, whatever happened (--keep leaves them up). Exit status 1 when a bench is off.
// As root, under the machine's integration lock (tens of minutes for 8 benches):
//   flock /run/mptcp-lab-dev-integration.lock node -r ts-node/register/transpile-only scripts/classroom-failover.ts [--benches 8] [--concurrency 2]
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Writable } from "stream";
import { parseArgs } from "util";
import { benchDown } from "../bench";
import type { CommandIo } from "../cli/command";
import { openLabStack, selectExistingLabStack } from "../cli/lab-stacks";
import { stacksDir } from "../cli/stack-files";
import { main as mptcpLab } from "../cli/main";
import { checkSurvivingRates, formatClassroomCheck } from "../report/classroom-check";
import type { FailoverOutput, StackResult } from "../report";

const started = Date.now();
const elapsed = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;

/** A log file whose every line starts with the time since the script started. */
function timedLog(file: string): { stream: Writable; close: () => void } {
    const out = fs.createWriteStream(file);
    let atLineStart = true;
    const stream = new Writable({
        write(chunk: Buffer | string, _encoding, done) {
            const text = chunk.toString();
            let result = "";
            for (const char of text) {
                if (atLineStart) result += `${elapsed()} `;
                result += char;
                atLineStart = char === "\n";
            }
            out.write(result, done);
        },
    });
    return { stream, close: () => out.end() };
}

async function run(log: Writable, args: string[], echo?: Writable): Promise<number> {
    const sink = echo ?? log;
    const io: CommandIo = { stdout: sink, stderr: log, environment: { ...process.env, CI: "true" } };
    log.write(`$ mptcp-lab ${args.join(" ")}\n`);
    const code = await mptcpLab(args, io);
    log.write(`exit ${code}\n`);
    return code;
}

async function readResult(name: string): Promise<StackResult> {
    try {
        const outputs = await (await selectExistingLabStack(name)).outputs();
        const failover = outputs.failover?.value as FailoverOutput | undefined;
        return failover?.mptcp ? { stack: name, failover } : { stack: name, missing: "no failover result" };
    } catch (error) {
        return { stack: name, missing: (error as Error).message.split("\n")[0] };
    }
}

async function cleanup(names: readonly string[], log: Writable): Promise<void> {
    for (const name of names) {
        const stack = await openLabStack(name).catch(() => undefined);
        await stack?.workspace.removeStack(name).catch((error: Error) => log.write(`stack rm ${name}: ${error.message.split("\n")[0]}\n`));
        fs.rmSync(path.join(stacksDir, `Pulumi.${name}.yaml`), { force: true });
        await benchDown(name, { purge: true }).catch(() => undefined);
    }
}

/** The bench's failover test start (its run id is its start time, UTC). */
function testStart(result: StackResult): string {
    const match = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z$/.exec(result.failover?.runId ?? "");
    return match ? `${match[1]}:${match[2]}:${match[3]}.${match[4]}Z` : "";
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            benches: { type: "string", default: "8" },
            concurrency: { type: "string", default: "2" },
            prefix: { type: "string", default: "t-room" },
            "first-index": { type: "string", default: "40" },
            from: { type: "string", default: "emulated" },
            keep: { type: "boolean", default: false },
        },
    });
    const benches = Number(values.benches);
    const names = Array.from({ length: benches }, (_, i) => `${values.prefix}-${i + 1}`);
    if (!values.prefix.startsWith("t-")) throw new Error("--prefix must start with t- (stack files that .gitignore covers)");
    const logFile = path.join(os.tmpdir(), `classroom-failover-${process.pid}.log`);
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "classroom-failover-report-"));
    const log = timedLog(logFile);
    console.log(`command output: ${logFile}`);
    let passed = false;
    try {
        const init = await run(log.stream, ["classroom", "init", "--benches", String(benches), "--from", values.from, "--prefix", values.prefix, "--first-index", values["first-index"], "--force"]);
        if (init !== 0) throw new Error(`classroom init exited with ${init} (see ${logFile})`);
        const stackArgs = names.flatMap((name) => ["--stack", name]);
        const up = await run(log.stream, ["up", ...stackArgs, "--concurrency", values.concurrency, "--no-table"]);
        console.log(`${elapsed()} up of ${benches} benches at concurrency ${values.concurrency}: exit ${up}`);
        const report = await run(log.stream, ["report", ...stackArgs, "--out", outDir], process.stdout);
        console.log(`${elapsed()} report: exit ${report}`);
        const results = await Promise.all(names.map(readResult));
        console.log(`\nfailover tests started (UTC): ${results.map((result) => `${result.stack} ${testStart(result).slice(11, 21)}`).join(", ")}\n`);
        const check = checkSurvivingRates(results);
        console.log(formatClassroomCheck(check));
        passed = check.passed;
    } finally {
        if (!values.keep) {
            const destroy = await run(log.stream, ["destroy", ...names.flatMap((name) => ["--stack", name]), "--concurrency", values.concurrency]);
            console.log(`${elapsed()} destroy: exit ${destroy}`);
            await cleanup(names, log.stream);
        }
        log.close();
    }
    process.exitCode = passed ? 0 : 1;
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
