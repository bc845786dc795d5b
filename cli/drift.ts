// `mptcp-lab drift [--stack NAME]... [--all] [--concurrency N] [--json]`: does each host still have
// what its stack expects? One refresh preview per stack through the Automation API, limited to the
// hosts' HostState and MptcpEndpointState: the engine reads the hosts, and nothing is written to
// the stack's state. Exit codes as Terraform's `plan -detailed-exitcode`: 0 clean, 2 drift, 1 error.
import { ConcurrentUpdateError, type EngineEvent, type Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { type Command, type CommandIo, EXIT_OK, parseCount } from "./command";
import { type CommandSpec, helpText, type OptionTable, parseCommandLine, stackSelection, stackSelectionExclusive } from "./options";
import { driftTargets, engineErrorMessages, stackDriftFromEvents } from "./drift-events";
import { checkError, codedCheckError, type DriftCheckError, driftReport, type DriftReport, exitCodeOf, failedStack, formatDriftReport, type StackDrift } from "./drift-report";
import { parseCodedErrors } from "../errors";
import { selectExistingLabStack, selectStacks } from "./lab-stacks";

const spec = {
    synopsis: ["mptcp-lab drift [--stack NAME... | --all] [--concurrency N] [--json]"],
    about: [
        "Compares what each stack expects of its hosts (MPTCP endpoints, limits, boot unit,",
        "net.mptcp.enabled and its sysctl.d file) with what the hosts have, through a refresh preview",
        "that never writes the stack's state. A changed boot id marks drift that a reboot caused.",
    ],
    options: {
        ...stackSelection,
        concurrency: { type: "string", value: "N", default: "4", description: "stacks checked at once (default 4)" },
        json: { type: "boolean", description: "the report as JSON, version 1 (docs/drift.md)" },
    },
    exclusive: stackSelectionExclusive,
    notes: ["Exit codes: 0 no drift, 2 drift, 1 a stack could not be checked (even when others drifted), 64 wrong usage."],
} as const satisfies CommandSpec<OptionTable>;

/** Opens a stack by name; the tests pass their own. */
export type StackOpener = (name: string) => Promise<Stack>;

/** One stack's drift. Every failure becomes a stack with status `error`: it is never drift. */
export async function checkStackDrift(name: string, open: StackOpener = selectExistingLabStack): Promise<StackDrift> {
    const events: EngineEvent[] = [];
    try {
        const stack = await open(name);
        await stack.preview({ refresh: true, target: driftTargets(name), color: "never", onEvent: (event) => events.push(event) });
    } catch (error) {
        return failedStack(name, checkErrorOf(name, error, engineErrorMessages(events)));
    }
    return stackDriftFromEvents(name, events);
}

/** Pulumi's own words for a stack that another operation holds (the file backend's lock). */
const STACK_LOCKED = /currently locked|another update is currently in progress/i;

/** Why a stack could not be checked: the Automation API's error type, else the first coded error
 *  a provider reported (errors/engine-text.ts), else the engine's first error line. */
function checkErrorOf(name: string, error: unknown, diagnostics: readonly string[]): DriftCheckError {
    if (error instanceof StackNotFoundError) return checkError(name, "not-deployed", firstLine(error));
    if (error instanceof ConcurrentUpdateError) return checkError(name, "stack-busy", firstLine(error));
    const text = error instanceof Error ? error.message : String(error);
    const coded = parseCodedErrors([...diagnostics, text].join("\n"))[0];
    if (coded) return codedCheckError(name, coded);
    const message = diagnostics[0] ?? firstLine(error);
    return checkError(name, STACK_LOCKED.test(message) ? "stack-busy" : "check-failed", message);
}

/** The first line that says something, for errors the engine did not report as an event. */
function firstLine(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    const line = text.split("\n").find((candidate) => /error/i.test(candidate)) ?? text.split("\n")[0];
    return line.trim().replace(/^error:\s*/i, "");
}

/** Runs `work` on every item, at most `limit` at a time; results keep the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await work(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

export async function checkStacksDrift(names: readonly string[], concurrency: number, open?: StackOpener): Promise<DriftReport> {
    return driftReport(await mapBounded(names, concurrency, (name) => checkStackDrift(name, open)));
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
    const parsed = parseCommandLine(spec, args, io)?.values;
    if (!parsed) return EXIT_OK;
    const usage = helpText(spec);
    const concurrency = parseCount("--concurrency", parsed.concurrency, usage);
    const names = selectStacks({ stack: parsed.stack, all: parsed.all }, usage);
    const report = await checkStacksDrift(names, concurrency);
    io.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : formatDriftReport(report));
    return exitCodeOf(report);
}

export const driftCommand: Command = { run };
