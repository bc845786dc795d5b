// `mptcp-lab drift [--stack NAME... | --all | --classroom PREFIX] [--concurrency N] [--json]`:
// does each host still have what its stack expects? Per stack: the state as Pulumi's export gives
// it (read from the checkpoint in this process, no engine), the lab from the stack file, and the
// hosts read over SSH by the same provider code a refresh runs, in this process. Nothing is
// written to the state or the hosts. Exit codes as Terraform's `plan -detailed-exitcode`: 0
// clean, 2 drift, 1 error.
import { parseCodedErrors } from "../errors";
import { formatProblem, LabError, loadLabFromStackFile } from "../lab";
import { declaredEndpointState } from "../lab/declared-state";
import type { LabSpec } from "../lab/types";
import { closeIdleConnections } from "../remote/ssh";
import { exportLabStack } from "../toolchain/file-backend";
import { type Command, type CommandIo, EXIT_OK, parseCount } from "./command";
import { type HostReadings, stackDrift } from "./drift-compare";
import { checkError, codedCheckError, type DriftCheckError, driftReport, type DriftReport, exitCodeOf, failedStack, formatDriftReport, type StackDrift } from "./drift-report";
import { type CommandSpec, helpText, type OptionTable, parseCommandLine, stackSelection, stackSelectionExclusive } from "./options";
import { endpointStateType, hostStateType, readLive } from "./provider-reads";
import { type RecordedResource, recordedResources } from "../toolchain/recorded-state";
import { heldByRunningEngine, stackLockDir } from "./stack-locks";
import { selectStacks, stackFilePath } from "./stack-files";

const spec = {
    synopsis: ["mptcp-lab drift [--stack NAME... | --all | --classroom PREFIX] [--concurrency N] [--json]"],
    about: [
        "Compares what each stack expects of its hosts (MPTCP endpoints, limits, boot unit,",
        "net.mptcp.enabled and its sysctl.d file) with what the hosts have, read the way a refresh",
        "reads them; nothing is written. A changed boot id marks drift that a reboot caused.",
    ],
    options: {
        ...stackSelection,
        concurrency: { type: "string", value: "N", default: "4", description: "stacks checked at once (default 4)" },
        json: { type: "boolean", description: "the report as JSON, version 1 (docs/drift.md)" },
    },
    exclusive: stackSelectionExclusive,
    notes: ["Exit codes: 0 no drift, 2 drift, 1 a stack could not be checked (even when others drifted), 64 wrong usage."],
} as const satisfies CommandSpec<OptionTable>;

type Properties = Record<string, unknown>;

/** Where a drift check gets what it compares; the tests give their own. */
export interface DriftSources {
    /** The stack's exported state; undefined when the stack was never deployed. */
    exportState(stack: string): Promise<{ deployment: unknown } | undefined>;
    /** The lab of the stack file; throws LabError when it does not validate. */
    lab(stack: string): LabSpec;
    /** The outputs a refresh would record now, from a resource's recorded id and outputs. */
    readHostState(id: string, recorded: Properties): Promise<Properties>;
    readEndpointState(id: string, recorded: Properties): Promise<Properties>;
    /** Whether an engine of this machine is updating the stack now. */
    busy(stack: string): boolean;
}

export const hostSources: DriftSources = {
    exportState: (stack) => exportLabStack(stack),
    lab: (stack) => loadLabFromStackFile(stackFilePath(stack)).spec,
    readHostState: (id, recorded) => readLive(hostStateType, id, recorded),
    readEndpointState: (id, recorded) => readLive(endpointStateType, id, recorded),
    busy: (stack) => heldByRunningEngine(stackLockDir(stack)),
};

const DRIFT_TYPES: ReadonlySet<string> = new Set([hostStateType, endpointStateType]);

/** Reads one host's resources, both at once (they share the host's SSH connection). */
async function readHost(host: string, lab: LabSpec, resources: readonly RecordedResource[], sources: DriftSources): Promise<HostReadings> {
    const of = (type: string) => resources.find((resource) => resource.type === type && resource.outputs.hostName === host);
    const [hostState, endpointState] = [of(hostStateType), of(endpointStateType)];
    const declared = lab.hosts.find((spec) => spec.name === host)!;
    const [hostLive, endpointLive] = await Promise.all([
        hostState && sources.readHostState(hostState.id, hostState.outputs),
        endpointState && sources.readEndpointState(endpointState.id, endpointState.outputs),
    ]);
    return {
        host,
        ...(hostState && hostLive ? { hostState: { recorded: hostState.outputs, live: hostLive } } : {}),
        ...(endpointState && endpointLive ? { endpointState: { declared: declaredEndpointState(declared), live: endpointLive } } : {}),
    };
}

/** One stack's drift. Every failure becomes a stack with status `error`: it is never drift. */
export async function checkStackDrift(name: string, sources: DriftSources = hostSources): Promise<StackDrift> {
    try {
        // An update in flight changes the hosts and the state under the check.
        if (sources.busy(name)) return failedStack(name, checkError(name, "stack-busy", `stack ${name} is being updated by a running engine`));
        const lab = sources.lab(name);
        const exported = await sources.exportState(name);
        if (!exported) return failedStack(name, checkError(name, "not-deployed", `no stack named ${name} has been deployed`));
        const resources = recordedResources(exported, DRIFT_TYPES);
        // Hosts the lab no longer declares are pending deletes, and the lab's new hosts pending creates.
        const hosts = [...new Set(resources.map((resource) => resource.outputs.hostName))].filter((host): host is string => typeof host === "string" && lab.hosts.some((spec) => spec.name === host));
        if (hosts.length === 0) return failedStack(name, checkError(name, "not-deployed", `stack ${name} has no hosts in its state`));
        const settled = await Promise.allSettled(hosts.map((host) => readHost(host, lab, resources, sources)));
        const failure = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
        if (failure) return failedStack(name, checkErrorOf(name, failure.reason));
        return stackDrift(name, settled.map((result) => (result as PromiseFulfilledResult<HostReadings>).value));
    } catch (error) {
        return failedStack(name, checkErrorOf(name, error));
    }
}

/** Why a stack could not be checked: a lab that does not validate, the coded error of a
 *  provider's read (errors/engine-text.ts), or the first line of any other error. */
function checkErrorOf(name: string, error: unknown): DriftCheckError {
    if (error instanceof LabError) return checkError(name, "check-failed", `the lab in ${stackFilePath(name)} is not valid: ${error.problems.map(formatProblem).join("; ")}`);
    const text = error instanceof Error ? error.message : String(error);
    const coded = parseCodedErrors(text)[0];
    if (coded) return codedCheckError(name, coded);
    return checkError(name, "check-failed", text.split("\n")[0].trim());
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

export async function checkStacksDrift(names: readonly string[], concurrency: number, sources?: DriftSources): Promise<DriftReport> {
    try {
        return driftReport(await mapBounded(names, concurrency, (name) => checkStackDrift(name, sources)));
    } finally {
        closeIdleConnections();
    }
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
    const parsed = parseCommandLine(spec, args, io)?.values;
    if (!parsed) return EXIT_OK;
    const usage = helpText(spec);
    const concurrency = parseCount("--concurrency", parsed.concurrency, usage);
    const names = selectStacks(parsed, usage);
    const report = await checkStacksDrift(names, concurrency);
    io.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : formatDriftReport(report));
    return exitCodeOf(report);
}

export const driftCommand: Command = { run };
