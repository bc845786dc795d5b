// Processes the bench starts: recorded by PID and start time (so a reused PID is never mistaken
// for ours), stopped by PID only, and checked to be gone afterwards.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { systemEnvironment } from "./exec";

export interface ProcessRecord {
    readonly pid: number;
    /** Field 22 of /proc/<pid>/stat: clock ticks after boot when the process started. */
    readonly startTime: string;
}

interface ProcessStat {
    readonly state: string;
    readonly parentPid: number;
    readonly startTime: string;
}

function readStat(pid: number): ProcessStat | undefined {
    let text: string;
    try {
        text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
        return undefined;
    }
    // The command name (field 2) may hold spaces and parentheses: split after its closing one.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], parentPid: Number(fields[1]), startTime: fields[19] };
}

export function recordOf(pid: number): ProcessRecord | undefined {
    const stat = readStat(pid);
    return stat ? { pid, startTime: stat.startTime } : undefined;
}

/** True while the recorded process exists, is the same process, and is not a zombie. */
export function isRunning(record: ProcessRecord | undefined): boolean {
    if (!record) return false;
    const stat = readStat(record.pid);
    return stat !== undefined && stat.startTime === record.startTime && stat.state !== "Z" && stat.state !== "X";
}

function allPids(): number[] {
    return fs.readdirSync("/proc").filter((entry) => /^[0-9]+$/.test(entry)).map(Number);
}

/** The PIDs of one process in each nested PID namespace, outermost first (the `NSpid` line). */
export function namespacePids(pid: number): number[] {
    try {
        const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((entry) => entry.startsWith("NSpid:"));
        return line ? line.split(/\s+/).slice(1).filter(Boolean).map(Number) : [];
    } catch {
        return [];
    }
}

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ): 100 on every Linux architecture Debian ships. */
const USER_HZ = 100;

/** When a recorded process started: the machine's boot time (btime in /proc/stat) plus its start time. */
export function startedAt(record: ProcessRecord): Date {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1] ?? 0);
    return new Date((bootSeconds + Number(record.startTime) / USER_HZ) * 1000);
}

export function sleep(milliseconds: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await condition()) return true;
        if (Date.now() >= deadline) return false;
        await sleep(intervalMs);
    }
}

/**
 * Stops a recorded process by PID and waits until it is gone. SIGTERM first unless told to kill
 * at once; SIGKILL when the grace time runs out. Returns false if it still runs.
 */
export async function stopProcess(record: ProcessRecord | undefined, options: { graceMs: number; immediate?: boolean }): Promise<boolean> {
    if (!isRunning(record) || !record) return true;
    const send = (signal: NodeJS.Signals) => {
        try {
            if (isRunning(record)) process.kill(record.pid, signal);
        } catch {
            // Gone between the check and the signal.
        }
    };
    send(options.immediate ? "SIGKILL" : "SIGTERM");
    if (await waitFor(() => !isRunning(record), options.graceMs)) return true;
    send("SIGKILL");
    return waitFor(() => !isRunning(record), 2_000);
}

/**
 * Starts a long-lived process in its own session, its output appended to `logPath`, detached
 * from this Node process so that the bench outlives the CLI.
 */
export function startDetached(command: string, args: readonly string[], logPath: string): ProcessRecord {
    const log = fs.openSync(logPath, "a", 0o600);
    try {
        const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log], env: systemEnvironment() });
        child.on("error", () => undefined); // reported below as a missing record
        child.unref();
        const record = child.pid === undefined ? undefined : recordOf(child.pid);
        if (!record) throw new Error(`${command} did not start (see ${logPath})`);
        return record;
    } finally {
        fs.closeSync(log);
    }
}

/** Resident and proportional memory of processes, in KiB, from /proc/<pid>/smaps_rollup. */
export function memoryOf(pids: readonly number[]): { rssKiB: number; pssKiB: number } {
    let rssKiB = 0;
    let pssKiB = 0;
    for (const pid of pids) {
        try {
            const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
            rssKiB += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
            pssKiB += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
        } catch {
            // The process ended meanwhile.
        }
    }
    return { rssKiB, pssKiB };
}

/** Live processes whose network namespace is the named one (/run/netns/<name>). */
export function processesInNetworkNamespace(namespace: string): number[] {
    return allPids().filter((pid) => isInNetworkNamespace(pid, namespace) && readStat(pid)?.state !== "Z");
}

/** Live processes whose argument vector satisfies the predicate. */
export function processesWithArguments(matches: (argv: readonly string[]) => boolean): number[] {
    return allPids().filter((pid) => {
        try {
            const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
            return argv.length > 0 && matches(argv) && readStat(pid)?.state !== "Z";
        } catch {
            return false;
        }
    });
}

/** True when the process lives in the network namespace named in /run/netns. */
export function isInNetworkNamespace(pid: number, namespace: string): boolean {
    try {
        return fs.readlinkSync(`/proc/${pid}/ns/net`) === `net:[${fs.statSync(`/run/netns/${namespace}`).ino}]`;
    } catch {
        return false;
    }
}

/** The last lines of a process's log, for an error message; "(no log)" when there is none. */
export function logTail(logPath: string, lines: number): string {
    try {
        return fs.readFileSync(logPath, "utf8").trim().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}
