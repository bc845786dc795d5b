// `up` of a stack that is already converged, without the Pulumi engine. A successful `up` leaves
// a record: a digest of everything the program's resources follow from (the sources, the stack
// file, the pinned versions, the environment it reads) and a digest of the state it wrote. The
// next `up` skips the engine only when all three hold:
//   1. the program's inputs have the same digest, so it would register the same resources;
//   2. the state is the one that `up` wrote (no `test`, refresh, destroy or failed run since);
//   3. a refresh would change nothing: every resource the providers can read, read now by the
//      providers' own `read` in this process, equals its recorded outputs.
// Then the engine would find every resource the same, as at the end of that `up`. Anything else,
// or any doubt, runs the engine as before, and `up --full` always does.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { repositoryRoot, toolchainPaths } from "../toolchain";
import { exportLabStack } from "../toolchain/file-backend";
import { PROVIDER_READS, type ProviderRead } from "./provider-reads";
import { type RecordedResource, recordedResources } from "../toolchain/recorded-state";
import { RUN_MARK } from "./run-reaper";

type Properties = Record<string, unknown>;
type Readers = Readonly<Record<string, () => ProviderRead>>;

/**
 * Resource types whose refresh keeps the recorded outputs: components and the stack (no
 * provider), provider references, the failover run (history, its `read` returns what it is
 * given) and @pulumi/command's remote commands (v1.2.1 has no Read for them).
 */
const KEPT_BY_REFRESH = /^(pulumi:pulumi:Stack|pulumi:providers:.*|mptcp-lab:(host|bench|lab):[A-Za-z0-9]+|pulumi-nodejs:dynamic\/mptcp-lab:FailoverTestRun|command:remote:Command)$/;

/** Top-level folders that cannot change what the program registers. */
const NOT_PROGRAM_INPUT = new Set([".git", "test", "docs", "stacks"]);

function addTree(hash: ReturnType<typeof createHash>, dir: string, relative: string): void {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (relative === "" && NOT_PROGRAM_INPUT.has(entry.name)) continue;
        // Installed packages, at any depth (policies/ has its own): their lock files stand for them.
        if (entry.name === "node_modules") continue;
        const file = path.join(dir, entry.name);
        const name = path.posix.join(relative, entry.name);
        if (entry.isDirectory()) addTree(hash, file, name);
        else if (entry.isFile()) {
            const content = fs.readFileSync(file);
            hash.update(`${name}\0${content.length}\0`).update(content);
        }
    }
}

/** The digest of the program's inputs for a stack: sources, the stack file, the environment it reads. */
export function programInputsDigest(stack: string, environment: NodeJS.ProcessEnv = process.env, root = repositoryRoot): string {
    const hash = createHash("sha256");
    addTree(hash, root, "");
    hash.update(`stack file\0`).update(fs.readFileSync(path.join(root, "stacks", `Pulumi.${stack}.yaml`)));
    const read = Object.keys(environment)
        // Every MPTCP_LAB_ setting but the mark each run gets for itself (cli/run-reaper.ts).
        .filter((key) => (key.startsWith("MPTCP_LAB_") && key !== RUN_MARK) || ["HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"].includes(key))
        .sort()
        .map((key) => `${key}=${environment[key]}`);
    return hash.update(`environment\0${read.join("\0")}\0node ${process.version}`).digest("hex");
}

/** JSON with sorted keys and without undefined values, as the engine stores properties. */
function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonical(item))).join(",")}]`;
    if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
    const entries = Object.entries(value as Properties).filter(([, item]) => item !== undefined);
    return `{${entries
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`)
        .join(",")}}`;
}

export function stateDigest(exported: { deployment: unknown }): string {
    const resources = (exported.deployment as { resources?: unknown } | undefined)?.resources ?? [];
    return createHash("sha256").update(canonical(resources)).digest("hex");
}

interface ConvergedRecord {
    version: 1;
    programInputs: string;
    state: string;
}

function recordPath(stack: string): string {
    return path.join(toolchainPaths().stateRoot, "converged", `${stack}.json`);
}

function readRecord(stack: string): ConvergedRecord | undefined {
    try {
        const record = JSON.parse(fs.readFileSync(recordPath(stack), "utf8")) as Partial<ConvergedRecord>;
        return record.version === 1 && typeof record.programInputs === "string" && typeof record.state === "string" ? (record as ConvergedRecord) : undefined;
    } catch {
        return undefined;
    }
}

/** Forgets the stack's record: its next `up` runs the engine. */
export function forgetConverged(stack: string): void {
    fs.rmSync(recordPath(stack), { force: true });
}

/**
 * After a successful `up`: records the state it wrote, when the program's inputs are those the
 * run started with (`programInputs`, taken before it). The write is atomic (rename).
 */
export async function recordConverged(stack: string, programInputs: string, exportState: typeof exportLabStack = exportLabStack): Promise<void> {
    if (programInputsDigest(stack) !== programInputs) return forgetConverged(stack);
    // The update succeeded whatever happens here: without a record the next up runs the engine.
    const exported = await exportState(stack).catch(() => undefined);
    if (!exported) return forgetConverged(stack);
    const file = recordPath(stack);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const record: ConvergedRecord = { version: 1, programInputs, state: stateDigest(exported) };
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(record)}\n`);
    fs.renameSync(`${file}.tmp`, file);
}

export type ConvergedCheck = { converged: true; outputs: Properties } | { converged: false; reason: string };

/** What a refresh would change in one resource, or undefined. */
async function refreshChange(resource: RecordedResource, readers: Readers): Promise<string | undefined> {
    const reader = readers[resource.type];
    if (!reader) return KEPT_BY_REFRESH.test(resource.type) ? undefined : `${resource.urn} has no known refresh`;
    // The SDK's provider host keeps the recorded provider text with what `read` returns.
    const live = { ...((await reader()(resource.id, resource.outputs)).props ?? {}), __provider: resource.outputs.__provider };
    return canonical(live) === canonical(resource.outputs) ? undefined : `a refresh would change ${resource.urn.split("::").pop()}`;
}

/** Whether `up` of the stack would change nothing (see the top of this file); reads the hosts. */
export async function checkConverged(
    stack: string,
    programInputs: string,
    sources: { export: typeof exportLabStack; readers: Readers } = { export: exportLabStack, readers: PROVIDER_READS },
): Promise<ConvergedCheck> {
    const record = readRecord(stack);
    if (!record) return { converged: false, reason: "no converged up recorded" };
    if (record.programInputs !== programInputs) return { converged: false, reason: "the program, the stack file or the environment changed since the last up" };
    const exported = await sources.export(stack);
    if (!exported) return { converged: false, reason: "the stack is not deployed" };
    if (stateDigest(exported) !== record.state) return { converged: false, reason: "the state changed since the last up" };
    const pending = (exported.deployment as { pending_operations?: unknown[] } | undefined)?.pending_operations ?? [];
    if (pending.length > 0) return { converged: false, reason: "the state has pending operations" };
    const resources = recordedResources(exported);
    const changes = await Promise.all(resources.map((resource) => refreshChange(resource, sources.readers)));
    const change = changes.find((text) => text !== undefined);
    if (change) return { converged: false, reason: change };
    return { converged: true, outputs: resources.find((resource) => resource.type === "pulumi:pulumi:Stack")?.outputs ?? {} };
}
