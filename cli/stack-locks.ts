// The engine's lock files on a stack of the local file backend, and what to do with one a run left
// behind. The only module that looks into Pulumi's own layout, and why it must: the engine writes
// `<backend>/.pulumi/locks/organization/<project>/<stack>/<uuid>.json` ({pid, username, hostname,
// timestamp}) when an update starts and removes it when it ends; a run killed with SIGKILL never
// removes it, and the next `pulumi up` refuses the stack. Pulumi's way out, `pulumi cancel` (the
// Automation API's `stack.cancel()`), removes every lock file of the stack on a file backend, a
// running engine's too (pkg/backend/diy CancelCurrentUpdate in 3.248; seen on a throw-away stack:
// after a SIGKILLed `pulumi up` the lock stays and `cancel` removes it, and during an update it
// removes the lock while the engine goes on), and no API tells whether a lock's engine still runs. So the files are only read here, to tell a dead run's lock from one
// that may be held; the removal is Pulumi's `cancel`, called only when every lock is a dead run's
// of this machine. Any other lock is reported with the command that clears it.
import { CodedError } from "../errors/coded-error";
import { hintFor } from "../errors/hints";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { toolchainPaths } from "../toolchain";

/** The project every lab stack belongs to (Pulumi.yaml's name). */
const PROJECT = "mptcp-lab";

/** The folder of the stack's lock files; undefined for a backend that is not a local folder. */
export function stackLockDir(stackName: string, backendUrl: string = toolchainPaths().backendUrl): string | undefined {
    if (!backendUrl.startsWith("file://")) return undefined;
    return path.join(backendUrl.slice("file://".length), ".pulumi", "locks", "organization", PROJECT, stackName);
}

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
 * Clears the stack's locks when all of them are stale, with `cancel` (Pulumi's), and returns them;
 * throws StackLockedError (clearing nothing) when a lock may belong to a running engine.
 */
export async function recoverStaleLocks(
    stackName: string,
    dir: string | undefined,
    cancel: () => Promise<void>,
    hostname = os.hostname(),
    isEngine: (pid: number) => boolean = isEngineProcess,
): Promise<StackLock[]> {
    const locks = dir === undefined ? [] : readStackLocks(dir).map((lock) => ({ lock, state: lockState(lock, hostname, isEngine) }));
    const held = locks.find(({ state }) => state !== "stale");
    if (held) throw new StackLockedError(stackName, held.lock, held.state as Exclude<LockState, "stale">);
    if (locks.length > 0) await cancel();
    return locks.map(({ lock }) => lock);
}

/** Clears what a killed run left on the stack (see recoverStaleLocks); the command prints each. */
export function recoverStackLocks(stack: Pick<Stack, "name" | "cancel">): Promise<StackLock[]> {
    return recoverStaleLocks(stack.name, stackLockDir(stack.name), () => stack.cancel());
}

/** Whether an engine of this machine holds a lock on the stack. */
export function heldByRunningEngine(dir: string | undefined, isEngine: (pid: number) => boolean = isEngineProcess): boolean {
    return dir !== undefined && readStackLocks(dir).some((lock) => lockState(lock, os.hostname(), isEngine) === "live");
}

/**
 * Waits until no engine of this machine holds the stack. After Ctrl-C the Automation API returns
 * at once while the engine finishes the operations in flight and records them; leaving before
 * that would hand the user a locked stack.
 */
export async function waitForStackUnlock(stackName: string, timeoutSeconds = 300, dir = stackLockDir(stackName)): Promise<boolean> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (heldByRunningEngine(dir)) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return true;
}

/** The line a command prints for a lock it removed. */
export function removedLockLine(stackName: string, lock: StackLock): string {
    return `${stackName}: removed the lock of a run that ended without releasing it (${describeLock(lock)}, no longer running)`;
}
