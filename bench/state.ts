// The runtime record of a bench (plan, derived names, PIDs) under /run, written atomically, and a
// per-bench lock so that two processes never change one bench at the same time.

import * as fs from "node:fs";
import * as path from "node:path";
import { BenchError } from "./errors";
import { benchHash, benchPaths, hostNamespace, managementBridge, managementPort, RUNTIME_ROOT, switchNamespace } from "./naming";
import type { BenchPlan } from "./plan";
import { isRunning, type ProcessRecord, recordOf, sleep } from "./processes";

export interface HostRuntimeState {
    /** The host's supervisor: it holds the overlay and boots the machine again after a reboot. */
    supervisor?: ProcessRecord;
}

/** Kernel object names derived for this bench, recorded so that `down` never has to guess. */
export interface BenchObjectNames {
    readonly hash: string;
    readonly managementBridge: string;
    readonly switchNamespace: string;
    readonly hostNamespaces: Readonly<Record<string, string>>;
    readonly managementPorts: Readonly<Record<string, string>>;
}

export interface BenchRuntimeState {
    readonly version: 1;
    readonly plan: BenchPlan;
    readonly names: BenchObjectNames;
    /** The lower dir shared by the hosts' overlays. */
    baseImage: string;
    /** Whether the kernel has the netem qdisc (delay); without it delay is not emulated. */
    netemAvailable?: boolean;
    hosts: Record<string, HostRuntimeState>;
    aptProxy?: ProcessRecord;
    gitDaemon?: ProcessRecord;
}

export function objectNames(plan: BenchPlan): BenchObjectNames {
    return {
        hash: benchHash(plan.name),
        managementBridge: managementBridge(plan.name),
        switchNamespace: switchNamespace(plan.name),
        hostNamespaces: Object.fromEntries(plan.hosts.map((host) => [host.name, hostNamespace(plan.name, host.name)])),
        managementPorts: Object.fromEntries(plan.hosts.map((host, index) => [host.name, managementPort(plan.name, index)])),
    };
}

export function readRuntimeState(benchName: string): BenchRuntimeState | undefined {
    try {
        return JSON.parse(fs.readFileSync(benchPaths(benchName).runtimeStateFile, "utf8")) as BenchRuntimeState;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new BenchError("BENCH_COMMAND_FAILED", `cannot read the state of bench ${benchName}`, { cause: error });
    }
}

export function writeRuntimeState(state: BenchRuntimeState): void {
    const file = benchPaths(state.plan.name).runtimeStateFile;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
    fs.renameSync(temporary, file);
}

/** The runtime states of every bench on this machine, for conflict checks. */
export function listRuntimeStates(): BenchRuntimeState[] {
    if (!fs.existsSync(RUNTIME_ROOT)) return [];
    return fs
        .readdirSync(RUNTIME_ROOT)
        .filter((entry) => !entry.startsWith("."))
        .map((entry) => readRuntimeState(entry))
        .filter((state): state is BenchRuntimeState => state !== undefined);
}

const LOCK_WAIT_MS = 120_000;

function lockAgeMs(lockDir: string): number {
    try {
        return Date.now() - fs.statSync(lockDir).mtimeMs;
    } catch {
        return 0;
    }
}

/** Runs `action` holding the bench's lock (a directory naming its owner); steals a dead owner's lock. */
export async function withBenchLock<T>(benchName: string, action: () => Promise<T>): Promise<T> {
    const lockDir = benchPaths(benchName).lockDir;
    const ownerFile = path.join(lockDir, "owner.json");
    fs.mkdirSync(RUNTIME_ROOT, { recursive: true, mode: 0o755 });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
        try {
            fs.mkdirSync(lockDir, { mode: 0o700 });
            fs.writeFileSync(ownerFile, JSON.stringify(recordOf(process.pid)));
            break;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        }
        let owner: ProcessRecord | undefined;
        try {
            owner = JSON.parse(fs.readFileSync(ownerFile, "utf8")) as ProcessRecord;
        } catch {
            owner = undefined; // the owner is between mkdir and writing its name
        }
        const stale = owner === undefined ? lockAgeMs(lockDir) > 5_000 : !isRunning(owner);
        if (stale) {
            fs.rmSync(lockDir, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) {
            throw new BenchError("BENCH_BUSY", `bench ${benchName} is locked by process ${owner?.pid ?? "(starting)"}`);
        }
        await sleep(100);
    }
    try {
        return await action();
    } finally {
        fs.rmSync(lockDir, { recursive: true, force: true });
    }
}
