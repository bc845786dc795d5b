// Waiting for something the bench started to answer: a probe tried a bounded number of times with
// a pause between attempts (a refused connection fails at once, so attempts without a pause would
// all be spent in the first milliseconds of a busy machine), stopping early when waiting is no
// longer worth it (the process died). Pure apart from the probe and the clock it is given.
import { ownsListeningSocket, probeGreeting } from "./probe";
import { isRunning, type ProcessRecord } from "./processes";

export interface WaitOptions {
    readonly attempts: number;
    /** Pause after a failed attempt. */
    readonly pauseMs: number;
    /** False when waiting longer cannot help, e.g. the process has exited. */
    readonly worthWaiting?: () => boolean;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
}

export interface WaitOutcome<T> {
    /** The probe's answer, when one came. */
    readonly value?: T;
    readonly attempts: number;
    readonly elapsedMs: number;
    /** What the last failed attempt said (a probe's error message or its own word). */
    readonly lastFailure?: string;
    /** True when the wait stopped because worthWaiting said so. */
    readonly gaveUp: boolean;
}

/** A probe answers with a value, or with `{ failure }` saying why not. */
export type ProbeResult<T> = { readonly value: T } | { readonly failure: string };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(probe: () => Promise<ProbeResult<T>>, options: WaitOptions): Promise<WaitOutcome<T>> {
    const sleep = options.sleep ?? realSleep;
    const now = options.now ?? Date.now;
    const started = now();
    let lastFailure: string | undefined;
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
        const result = await probe();
        if ("value" in result) return { value: result.value, attempts: attempt, elapsedMs: now() - started, lastFailure, gaveUp: false };
        lastFailure = result.failure;
        if (options.worthWaiting && !options.worthWaiting()) return { attempts: attempt, elapsedMs: now() - started, lastFailure, gaveUp: true };
        if (attempt < options.attempts) await sleep(options.pauseMs);
    }
    return { attempts: options.attempts, elapsedMs: now() - started, lastFailure, gaveUp: false };
}

/** sshd's wait: up to 60 attempts of at most 500 ms each, 250 ms apart (about 45 s at the most). */
export const SSHD_WAIT = { attempts: 60, pauseMs: 250, probeTimeoutMs: 500 } as const;

/** An SSH server's greeting (`SSH-2.0-...`), or why there is none yet. */
export async function probeSshGreeting(address: string, port = 22): Promise<ProbeResult<string>> {
    const result = await probeGreeting(address, port, SSHD_WAIT.probeTimeoutMs);
    if ("failure" in result || result.value.startsWith("SSH-2.0-")) return result;
    return { failure: `a greeting that is not SSH's: ${JSON.stringify(result.value.slice(0, 60))}` };
}

/** Why sshd did not answer, with what can tell the cause apart: the attempts, the last failure,
 *  whether sshd still runs and listens, and its log (which may well be empty). */
export function sshdSilentMessage(hostName: string, endpoint: string, wait: WaitOutcome<unknown>, sshd: ProcessRecord | undefined, logTail: string): string {
    const [address, port] = endpoint.split(":");
    const running = isRunning(sshd);
    const listening = running && sshd !== undefined && ownsListeningSocket(sshd.pid, address, Number(port));
    const process = !sshd ? "sshd has no PID on record" : running ? `sshd (PID ${sshd.pid}) runs and ${listening ? "listens" : "does not listen"} on ${endpoint}` : `sshd (PID ${sshd.pid}) has exited`;
    const log = logTail.trim() === "" ? "(the log is empty)" : logTail;
    return `sshd on ${hostName} does not answer on ${endpoint} after ${wait.attempts} attempt(s) in ${(wait.elapsedMs / 1000).toFixed(1)} s (last: ${wait.lastFailure ?? "none"}); ${process}. sshd's log:\n${log}`;
}
