// A lock shared by every process on this machine, so that failover tests (which measure
// throughput and share the machine's cores) run one at a time even when several stacks are
// updated at once. The lock is flock(2) on a file, taken by util-linux's flock(1) holding a child
// that lives as long as the pipe to this process: when the holder exits or crashes, the kernel
// drops the lock, so a dead holder never leaves a stale lock behind.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CodedError } from "../errors/coded-error";

/** Where failover tests take their turn (tmpfs, gone at reboot). */
export const FAILOVER_LOCK_PATH = "/run/mptcp-lab/failover-test.lock";
/** How long a failover test waits for its turn by default: 30 minutes. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 1800;

export interface MachineLockOptions {
    /** Give up after this many seconds of waiting. */
    timeoutSeconds: number;
    /** What waits, for the messages ("the failover test of stack x"). */
    purpose: string;
}

/** The lock could not be taken, or its timeout setting is wrong. */
export class MachineLockError extends CodedError<"lock-timeout" | "lock-unavailable" | "lock-tool-missing" | "lock-timeout-setting"> {
    constructor(code: MachineLockError["code"], message: string, options?: { cause?: unknown; value?: unknown }) {
        super(code, message, options);
        this.name = "MachineLockError";
    }
}

export interface MachineLock {
    /** Releases the lock; calling it again does nothing. */
    release(): Promise<void>;
}

const ACQUIRED = "acquired";

/** Reads the PID the last holder wrote into the lock file, if any and if it still runs. */
export function lockHolder(lockPath: string): number | undefined {
    let text: string;
    try {
        text = fs.readFileSync(lockPath, "utf8");
    } catch {
        return undefined;
    }
    const pid = Number(/^(\d+)/.exec(text)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    try {
        process.kill(pid, 0);
        return pid;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
    }
}

/**
 * Takes the lock at `lockPath`, waiting up to `timeoutSeconds` for the current holder. The lock is
 * held until `release()` or until this process ends, however it ends.
 */
export function acquireMachineLock(lockPath: string, options: MachineLockOptions): Promise<MachineLock> {
    fs.mkdirSync(path.dirname(lockPath), { recursive: true, mode: 0o755 });
    const waitedFor = lockHolder(lockPath);
    // The constant script tells this process once the lock is held, then holds it until its
    // stdin (a pipe from this process) closes.
    const holder = spawn("flock", ["--exclusive", "--wait", String(options.timeoutSeconds), "--conflict-exit-code", "75", lockPath, "sh", "-c", `echo ${ACQUIRED}; exec cat >/dev/null`], {
        stdio: ["pipe", "pipe", "pipe"],
    });
    return new Promise<MachineLock>((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        let held = false;
        const exited = new Promise<void>((done) => holder.once("close", () => done()));
        const release = async () => {
            if (holder.exitCode === null && holder.signalCode === null) {
                holder.stdin.end();
                await exited;
            }
        };
        holder.on("error", (cause) =>
            reject(new MachineLockError("lock-tool-missing", `${options.purpose}: cannot run flock to take ${lockPath}: ${cause.message}`, { cause })),
        );
        // The holder's stdin closes on release; a holder that already died must not crash us.
        holder.stdin.on("error", () => undefined);
        holder.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        holder.stdout.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            if (!held && stdout.includes(ACQUIRED)) {
                held = true;
                // flock(2) locks the inode, so writing our PID into the same file keeps the lock.
                fs.writeFileSync(lockPath, `${process.pid}\n`);
                resolve({ release });
            }
        });
        holder.once("close", (code) => {
            if (held) return;
            const by = waitedFor === undefined ? "" : ` (held by PID ${waitedFor})`;
            if (code === 75) {
                reject(
                    new MachineLockError(
                        "lock-timeout",
                        `${options.purpose}: waited ${options.timeoutSeconds} s for the failover test lock ${lockPath}${by}; failover tests run one at a time on this machine`,
                    ),
                );
            } else {
                reject(new MachineLockError("lock-unavailable", `${options.purpose}: flock on ${lockPath} exited with ${code}: ${stderr.trim()}`));
            }
        });
    });
}

/** The timeout from MPTCP_LAB_FAILOVER_LOCK_TIMEOUT (seconds), or the default. */
export function lockTimeoutSeconds(environment: NodeJS.ProcessEnv): number {
    const value = environment.MPTCP_LAB_FAILOVER_LOCK_TIMEOUT;
    if (value === undefined || value === "") return DEFAULT_LOCK_TIMEOUT_SECONDS;
    if (!/^[0-9]{1,6}$/.test(value)) throw new MachineLockError("lock-timeout-setting", `MPTCP_LAB_FAILOVER_LOCK_TIMEOUT must be a whole number of seconds, not ${JSON.stringify(value)}`, { value });
    return Number(value);
}

/** Runs `work` while holding the lock; releases it however `work` ends. */
export async function withMachineLock<T>(lockPath: string, options: MachineLockOptions, work: () => Promise<T>): Promise<T> {
    const lock = await acquireMachineLock(lockPath, options);
    try {
        return await work();
    } finally {
        await lock.release();
    }
}
