// `mptcp-lab up | test | destroy [--stack NAME... | --all | --classroom PREFIX] [--concurrency N]`:
// lab stacks through the Automation API, with live progress per stack and the failover result at
// the end.
import { Listr } from "listr2";
import type { OutputMap, Stack } from "@pulumi/pulumi/automation";
import * as path from "path";
import { benchDown, benchPlanFromLab, benchStatus, benchUp } from "../bench";
import { failureLines } from "../errors";
import { formatRunTable, formatSpreadTable, REPEAT_ENVIRONMENT_VARIABLE } from "../failover";
import { MAX_REPEAT } from "../failover/aggregate";
import { LabError, loadLabFromStackFile } from "../lab";
import type { FailoverOutput } from "../report/types";
import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK, parseCount, UsageError, wantsPlainOutput } from "./command";
import { helpText, type OptionTable, parseCommandLine, stackSelection, stackSelectionExclusive } from "./options";
import { closeIdleConnections } from "../remote/ssh";
import { checkConverged, forgetConverged, programInputsDigest, recordConverged } from "./converged";
import { asOutputMap } from "../toolchain/recorded-state";
import { selectStacks, stacksDir } from "./stack-files";
import { readStackLocks, recoverStackLocks, removedLockLine, stackLockDir, waitForStackUnlock } from "./stack-locks";

type Action = "up" | "test" | "destroy";

/** Said before every `up` and `test`: the machine-wide lock in the failover test's provider. */
export const ONE_AT_A_TIME = "failover tests run one at a time on this machine (the others wait their turn)";

const options = {
    ...stackSelection,
    concurrency: { type: "string", value: "N", default: "1", description: "stacks at once (default 1); failover tests still run one at a time" },
    "no-table": { type: "boolean", description: "print the summary only, not every interval" },
} as const satisfies OptionTable;

const fullOption = {
    full: { type: "boolean", description: "run the Pulumi engine even when the hosts and the stack are as the last up left them" },
} as const satisfies OptionTable;

const repeatOption = {
    repeat: { type: "string", value: "N", description: "run the test N times (1 to 50; default: the lab's failover.repeat) and report each figure's spread" },
} as const satisfies OptionTable;

const specOf = <O extends OptionTable>(action: Action, actionOptions: O) => ({
    synopsis: [`mptcp-lab ${action} [--stack NAME... | --all | --classroom PREFIX] [--concurrency N] [--no-table]${action === "test" ? " [--repeat N]" : action === "up" ? " [--full]" : ""}`],
    options: { ...options, ...actionOptions },
    exclusive: stackSelectionExclusive,
    notes: ["Exit codes: 0 every stack succeeded, 1 a stack failed, 64 wrong usage."],
});

interface StackResult {
    name: string;
    outputs?: OutputMap;
    error?: Error;
}

/**
 * `up` of a converged stack without the engine (cli/converged.ts): its outputs as the last `up`
 * left them, or undefined when the engine must run. A stack with any lock goes to the engine,
 * which tells a killed run's lock from a live one.
 */
async function convergedUp(stackName: string, report: (line: string) => void): Promise<OutputMap | undefined> {
    const lockDir = stackLockDir(stackName);
    if (lockDir && readStackLocks(lockDir).length > 0) return undefined;
    const check = await checkConverged(stackName, programInputsDigest(stackName)).catch((error: Error) => ({
        converged: false as const,
        reason: `the hosts could not be read here (${error.message.split("\n")[0]})`,
    }));
    if (!check.converged) {
        report(`running the engine: ${check.reason}`);
        return undefined;
    }
    report("no changes: the hosts, the state and the program are as the last up left them");
    return asOutputMap(check.outputs);
}

/** `afterKilledRun`: a lock of an earlier run that never ended properly was just removed. */
async function runAction(action: Action, stack: Stack, report: (line: string) => void, signal: AbortSignal, afterKilledRun: boolean): Promise<OutputMap> {
    const { describeEngineEvent, failoverRunUrn } = await import("./lab-stacks");
    const onEvent = (event: Parameters<typeof describeEngineEvent>[0]) => {
        const line = describeEngineEvent(event);
        if (line) report(line);
    };
    if (action === "destroy") {
        forgetConverged(stack.name);
        await stack.destroy({ onEvent, signal });
        await removeBenchRemains(stack.name, report);
        return {};
    }
    if (action === "test") {
        const urn = await failoverRunUrn(stack);
        return (await stack.up({ onEvent, target: [urn], replace: [urn], signal })).outputs;
    }
    // An emulated bench that is gone (a reboot takes every namespace) comes back first: the
    // refresh below reads the hosts over SSH.
    await repairBench(stack.name, report);
    if (afterKilledRun) {
        // As Pulumi documents for an interrupted update: creates left pending are dropped from the
        // state (the providers' creates are idempotent, so the update below makes them again).
        report("clearing the operations the killed run left pending");
        await stack.refresh({ onEvent, signal, clearPendingCreates: true });
    }
    const programInputs = programInputsDigest(stack.name);
    // Refresh first, so that drift on the hosts is repaired by the same update.
    const { outputs } = await stack.up({ onEvent, refresh: true, signal });
    await recordConverged(stack.name, programInputs);
    return outputs;
}

/**
 * After a destroy, removes whatever is left of the stack's emulated bench: a bench whose creation
 * failed half-way is not in the stack's state, so the engine's destroy never sees it.
 */
export async function removeBenchRemains(stackName: string, report: (line: string) => void, bench: { status: typeof benchStatus; down: typeof benchDown } = { status: benchStatus, down: benchDown }): Promise<void> {
    let plan;
    try {
        plan = benchPlanFromLab(loadLabFromStackFile(path.join(stacksDir, `Pulumi.${stackName}.yaml`)).spec);
    } catch (error) {
        if (!(error instanceof LabError)) throw error;
        report(`bench: the lab of ${stackName} does not validate; not looking for a bench it may have left`);
        return;
    }
    if (!plan) return;
    const { state } = await bench.status(plan.name);
    if (state === "absent") return;
    report(`bench: ${plan.name} is still there (${state}) after the destroy; removing what remains`);
    await bench.down(plan.name);
}

async function repairBench(stackName: string, report: (line: string) => void): Promise<void> {
    const plan = benchPlanFromLab(loadLabFromStackFile(path.join(stacksDir, `Pulumi.${stackName}.yaml`)).spec);
    if (!plan || (await benchStatus(plan.name)).state === "running") return;
    report(`bench: ${plan.name} is not running; starting it before the refresh reads its hosts`);
    await benchUp(plan);
}

export function failoverSummary(name: string, outputs: OutputMap | undefined, withIntervals: boolean): string {
    const failover = outputs?.failover?.value as Partial<FailoverOutput> | undefined;
    if (!failover?.mptcp) return `${name}: no failover result`;
    const table = formatRunTable(failover.mptcp, failover.control ?? undefined);
    const shown = withIntervals ? table : table.slice(table.indexOf("\nRun ") + 1);
    const spread = failover.spread
        ? `\nThe last run is shown above. ${failover.spread.mptcp.runs} runs, raw files of each under ${failover.resultsDir}/run-<i>:\n` +
          `${formatSpreadTable(failover.spread.mptcp)}\n` +
          (failover.spread.control ? `${formatSpreadTable(failover.spread.control, "Plain-TCP control")}\n` : "")
        : "";
    return `== ${name} ==\n${shown}${builtLine(failover)}${spread}\nFull results: ${failover.resultsDir}\n`;
}

/** Which iperf3 each host runs, and the commit a source build checked out. */
function builtLine(failover: Partial<FailoverOutput>): string {
    const versions = failover.versions?.iperf3 ?? {};
    const commits = failover.versions?.commit ?? {};
    const hosts = Object.keys(versions).map((host) => `${host} ${versions[host]}${commits[host] ? ` at ${commits[host].slice(0, 12)}` : ""}`);
    return hosts.length > 0 ? `Built             ${hosts.join("; ")}\n` : "";
}

function makeCommand(action: Action): Command {
    return {
        async run(args: readonly string[], io: CommandIo) {
            const spec = specOf(action, action === "test" ? repeatOption : action === "up" ? fullOption : {});
            const usage = helpText(spec);
            const parsed = parseCommandLine(spec, args, io)?.values;
            if (!parsed) return EXIT_OK;
            const concurrency = parseCount("--concurrency", parsed.concurrency, usage);
            const repeatText = (parsed as { repeat?: string }).repeat;
            if (repeatText !== undefined) {
                const repeat = parseCount("--repeat", repeatText, usage);
                if (repeat > MAX_REPEAT) throw new UsageError(`--repeat takes 1 to ${MAX_REPEAT}, not ${repeat}`, usage);
                // Read by the Pulumi program (index.ts), which the engine starts with this environment.
                process.env[REPEAT_ENVIRONMENT_VARIABLE] = String(repeat);
            }
            const names = selectStacks(parsed, usage);
            const results: StackResult[] = names.map((name) => ({ name }));
            if (action !== "destroy") io.stdout.write(`${action}: ${names.length} stack(s), ${concurrency} at once; ${ONE_AT_A_TIME}\n`);
            // Ctrl-C interrupts the engine the way the pulumi CLI's own Ctrl-C does: operations in
            // flight finish and are recorded, nothing new starts; the hosts restore their links.
            const cancellation = new AbortController();
            const cancel = () => {
                if (cancellation.signal.aborted) return;
                io.stderr.write("\ncancelling: operations in flight finish and are recorded; links are restored on the hosts\n");
                cancellation.abort();
            };
            // `on`, not `once`: while a listener of ours remains, execa's exit handler does not re-raise
            // the signal and take the engine down with this process.
            process.on("SIGINT", cancel);
            const tasks = new Listr(
                results.map((result) => ({
                    title: `${action} ${result.name}`,
                    task: async (_context: unknown, task: { output: string }) => {
                        try {
                            if (cancellation.signal.aborted) throw new Error("cancelled before it started");
                            const report = (line: string) => (task.output = line);
                            if (action === "up" && !(parsed as { full?: boolean }).full) {
                                result.outputs = await convergedUp(result.name, report);
                                if (result.outputs) return;
                            }
                            // Loaded only for the engine: the Automation API costs 75 MiB and half a second.
                            const [{ openLabStack }, { withOutputsOnly }] = await Promise.all([import("./lab-stacks"), import("../toolchain/workspace")]);
                            const stack = withOutputsOnly(await openLabStack(result.name));
                            const removed = await recoverStackLocks(stack);
                            for (const lock of removed) io.stderr.write(`${removedLockLine(result.name, lock)}\n`);
                            result.outputs = await runAction(action, stack, report, cancellation.signal, removed.length > 0);
                        } catch (error) {
                            result.error = error as Error;
                            throw error;
                        }
                    },
                })),
                {
                    concurrent: concurrency,
                    exitOnError: false,
                    renderer: wantsPlainOutput(io) ? "simple" : "default",
                    fallbackRenderer: "simple",
                    rendererOptions: { collapseErrors: false },
                    registerSignalListeners: false,
                },
            );
            await tasks.run().catch(() => undefined);
            closeIdleConnections();
            if (cancellation.signal.aborted) {
                io.stderr.write("waiting for the engine to record what it finished\n");
                for (const result of results) {
                    if (!(await waitForStackUnlock(result.name))) io.stderr.write(`${result.name}: the engine still holds the stack; check it with \`pulumi stack --stack ${result.name}\`\n`);
                }
            }
            process.removeListener("SIGINT", cancel);

            for (const result of results) {
                if (result.error) io.stderr.write(`== ${result.name} ==\n${failureLines(result.error, result.name).join("\n")}\n`);
                else if (action !== "destroy") io.stdout.write(`${failoverSummary(result.name, result.outputs, !parsed["no-table"])}\n`);
            }
            const failed = results.filter((result) => result.error).map((result) => result.name);
            io.stdout.write(`${action}: ${results.length - failed.length} of ${results.length} stack(s) succeeded${failed.length ? `; failed: ${failed.join(", ")}` : ""}\n`);
            return failed.length ? EXIT_FAILURE : EXIT_OK;
        },
    };
}

export const upCommand = makeCommand("up");
export const testCommand = makeCommand("test");
export const destroyCommand = makeCommand("destroy");
