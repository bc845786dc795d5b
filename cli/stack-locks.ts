// The engine's lock files on a stack of the local file backend, and what to do with one a run left
// behind. The engine writes `<backend>/.pulumi/locks/organization/<project>/<stack>/<uuid>.json`
// ({pid, username, hostname, timestamp}) when an update starts and removes it when it ends; a run
// killed with SIGKILL never removes it, and the next `pulumi up` refuses the stack. A lock of this
// machine whose engine is gone is removed here (and said so); any other is reported with the
// command that clears it.
import { CodedError } from "../errors/coded-error";
import { hintFor } from "../errors/hints";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface StackLock {
    readonly file: string;
    readonly pid?: number;
    readonly username?: string;
    readonly hostname?: string;
    readonly timestamp?: string;
}

/** stale: this machine's, and its engine is gone; live: this machine's engine holds it; foreign:
 *  another machine's; unreadable: not a lock the engine wrote in full. */
export type LockState = "stale" | "live" | "foreign" | "unreadable";

export function readStackLocks(dir: string): StackLock[] {
    let files: string[];
    try {
        files = fs.readdirSync(dir).filter((file) => file.endsWith(".json"));
    } catch {
        return [];
    }
    return files.flatMap((name) => {
        const file = path.join(dir, name);
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch {
            return []; // released while being read
        }
        try {
            const content = JSON.parse(text) as Record<string, unknown>;
            const string = (key: string) => (typeof content[key] === "string" ? (content[key] as string) : undefined);
            const pid = typeof content.pid === "number" && Number.isSafeInteger(content.pid) && content.pid > 0 ? content.pid : undefined;
            return [{ file, pid, username: string("username"), hostname: string("hostname"), timestamp: string("timestamp") }];
        } catch {
            return [{ file }];
        }
    });
}

/** True when `pid` runs on this machine as a Pulumi engine (a PID of a gone engine may be reused). */
export function isEngineProcess(pid: number): boolean {
    try {
        const command = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return command.some((word) => path.basename(word).startsWith("pulumi"));
    } catch {
        return false;
    }
}

export function lockState(lock: StackLock, hostname = os.hostname(), isEngine: (pid: number) => boolean = isEngineProcess): LockState {
    if (lock.pid === undefined || lock.hostname === undefined) return "unreadable";
    if (lock.hostname !== hostname) return "foreign";
    return isEngine(lock.pid) ? "live" : "stale";
}

/** The stack is held by an engine that may still run: nothing is removed. */
export class StackLockedError extends CodedError<"stack-locked"> {
    constructor(
        readonly stackName: string,
        readonly lock: StackLock,
        readonly state: Exclude<LockState, "stale">,
    ) {
        super("stack-locked", lockedMessage(stackName, lock, state), { hint: hintFor("stack-locked", { stack: stackName }) });
        this.name = "StackLockedError";
    }
}

function describeLock(lock: StackLock): string {
    return `PID ${lock.pid ?? "?"} of ${lock.username ?? "?"}@${lock.hostname ?? "?"} since ${lock.timestamp ?? "?"}`;
}

function lockedMessage(stackName: string, lock: StackLock, state: Exclude<LockState, "stale">): string {
    const clear = `pulumi cancel --stack ${stackName} --yes`;
    switch (state) {
        case "live":
            return `stack ${stackName} is being updated by a running engine (${describeLock(lock)}): wait for it to finish; if it is stuck, stop it (kill ${lock.pid}) and then run \`${clear}\``;
        case "foreign":
            return `stack ${stackName} is locked from another machine (${describeLock(lock)}): if no update runs there any more, run \`${clear}\``;
        case "unreadable":
            return `stack ${stackName} has a lock file that names no engine (${lock.file}): if no update runs, run \`${clear}\``;
    }
}

/**
 * Removes the stack's stale locks and returns them; throws StackLockedError (removing nothing)
 * when a lock may belong to a running engine.
 */
export function recoverStaleLocks(stackName: string, dir: string, hostname = os.hostname(), isEngine: (pid: number) => boolean = isEngineProcess): StackLock[] {
    const locks = readStackLocks(dir).map((lock) => ({ lock, state: lockState(lock, hostname, isEngine) }));
    const held = locks.find(({ state }) => state !== "stale");
    if (held) throw new StackLockedError(stackName, held.lock, held.state as Exclude<LockState, "stale">);
    const removed: StackLock[] = [];
    for (const { lock } of locks) {
        try {
            fs.rmSync(lock.file);
            removed.push(lock);
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        }
    }
    return removed;
}

/** The line a command prints for a lock it removed. */
export function removedLockLine(stackName: string, lock: StackLock): string {
    return `${stackName}: removed the lock of a run that ended without releasing it (${describeLock(lock)}, no longer running)`;
}
