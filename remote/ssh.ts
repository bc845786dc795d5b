// Runs scripts on a host over SSH with ssh2: the host key is pinned (a mismatch is refused before
// any command runs), the script travels on stdin so nothing is spliced into a command line.
import { createHash } from "crypto";
import { Client, ClientChannel, ConnectConfig } from "ssh2";
import { CodedError } from "../errors/coded-error";
import type { RemoteErrorCode } from "../errors/hints";
import { DEFAULT_STEP_TIMEOUT_SECONDS, joinSteps, splitJoinedResult } from "./joined-steps";
import { requireSafe, shellCommand, shellSafe } from "./shell";

export interface HostConnection {
    address: string;
    port: number;
    user: string;
    /** OpenSSH private key (PEM or OpenSSH format). */
    privateKey: string;
    /** Pinned host key, `type base64 [comment]` as in known_hosts or a .pub file. */
    hostKey: string;
}

export interface RemoteResult {
    stdout: string;
    stderr: string;
    exitCode: number;
}

export interface RemoteStep {
    /** Host name for messages, e.g. `client`. */
    host: string;
    /** What the script does, e.g. `install kernel headers`. */
    step: string;
    script: string;
    /** Gives up after this long: `timeout` on the host stops the step's whole process group (TERM,
     *  then KILL KILL_AFTER_SECONDS later), so nothing of it outlives the step. Default 600. */
    timeoutSeconds?: number;
    /** A lock file on the host (absolute path): steps with the same one never run at the same
     *  time, even when an earlier run's step is still running after its controller went away. */
    exclusive?: string;
    /** Fail on a non-zero exit (default true). */
    check?: boolean;
    /** Gives up when stdout and stderr together pass this many bytes (default: no bound). */
    maxOutputBytes?: number;
    /** The script only reads: such steps asked for on one host at the same moment run in one
     *  exec channel, one after the other, under the sum of their time limits (runRemote). */
    readOnly?: boolean;
}

/** A step on a host that failed; `detail` holds the step's output when it ran. */
export class RemoteStepError extends CodedError<RemoteErrorCode> {
    /** The connection failed before the session was ready: no command ran. */
    readonly beforeReady: boolean;
    readonly host: string;
    readonly step: string;

    constructor(
        code: RemoteErrorCode,
        host: string,
        step: string,
        message: string,
        readonly detail?: RemoteResult,
        options?: { cause?: unknown; beforeReady?: boolean },
    ) {
        super(code, `${host}: ${step}: ${message}`, { host, step, cause: options?.cause });
        this.name = "RemoteStepError";
        this.host = host;
        this.step = step;
        this.beforeReady = options?.beforeReady ?? false;
    }
}

/** The key blob of `type base64 [comment]`, to compare with what the server presents. */
export function hostKeyBlob(hostKey: string): Buffer {
    const fields = hostKey.trim().split(/\s+/);
    if (fields.length < 2 || !/^[A-Za-z0-9+/]+={0,3}$/.test(fields[1])) {
        throw new Error(`host key ${JSON.stringify(hostKey.slice(0, 40))} is not in "type base64" form`);
    }
    return Buffer.from(fields[1], "base64");
}

/** After TERM, `timeout` waits this long before it sends KILL. */
export const KILL_AFTER_SECONDS = 10;

/** `timeout`'s exit status when it stopped the command (124 after TERM, 137 after KILL). */
const TIMED_OUT_STATUSES = [124, 137];

/**
 * The command an exec channel runs: bash reading the script from stdin, as root (through `sudo -n`
 * for other users), under `timeout` and, for an exclusive step, under `flock` on its lock file.
 */
export function remoteCommand(user: string, timeoutSeconds: number, exclusive?: string): string {
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new RangeError(`a step's timeout is a whole number of seconds, not ${timeoutSeconds}`);
    // The lock file's folder may not exist yet (/run/lock is missing on some systems).
    const run = exclusive === undefined ? ["bash", "-s"] : ["bash", "-c", 'mkdir -p -- "$(dirname -- "$1")" && exec flock -- "$1" bash -s', "mptcp-lab-step", requireSafe("exclusive", exclusive, shellSafe.absolutePath)];
    const words = [...(user === "root" ? [] : ["sudo", "-n"]), "timeout", "--kill-after", `${KILL_AFTER_SECONDS}s`, `${timeoutSeconds}s`, ...run];
    return shellCommand(words);
}

function lastLines(text: string, count: number): string {
    return text.trimEnd().split("\n").slice(-count).join("\n");
}

/** Tries for a connection that fails before its session is ready (nothing has run then). */
const connectAttempts = 3;

/** An idle connection closes after this long; steps that follow each other reuse it. */
export const IDLE_CLOSE_MS = 1_000;
/** Steps at once on one pooled connection (sshd's MaxSessions is 10); more get their own. */
const CHANNELS_PER_CONNECTION = 6;

/**
 * One SSH connection to a host, shared by the steps that run on it at the same time or one after
 * the other within a process: a refresh reads a host's facts and its endpoints at once, an update
 * runs a resource's steps back to back. Each step is its own exec channel (its own `bash -s`).
 */
interface SharedConnection {
    client: Client;
    /** Settles when the session is ready, or fails with what went wrong while connecting. */
    ready: Promise<void>;
    users: number;
    idleTimer?: NodeJS.Timeout;
    /** Set once the connection failed or closed: it takes no new steps. */
    closed: boolean;
    /** What the host presented, to tell a host-key mismatch from other failures. */
    presentedKey?: Buffer;
}

const connections = new Map<string, SharedConnection>();

function connectionKey(connection: HostConnection): string {
    const { address, port, user, privateKey, hostKey } = connection;
    return createHash("sha256").update(JSON.stringify([address, port, user, privateKey, hostKey])).digest("hex");
}

function openConnection(connection: HostConnection, pinned: Buffer): SharedConnection {
    const client = new Client();
    const shared: SharedConnection = { client, users: 0, closed: false, ready: Promise.resolve() };
    shared.ready = new Promise<void>((resolve, reject) => {
        client.once("ready", () => resolve());
        client.on("error", (error: Error) => {
            shared.closed = true;
            reject(error);
        });
        client.on("close", () => {
            shared.closed = true;
            reject(new Error("the connection closed before its session was ready"));
        });
    });
    // Waiters that come later see the failure through `ready`; none is left unhandled.
    shared.ready.catch(() => undefined);
    const config: ConnectConfig = {
        host: connection.address,
        port: connection.port,
        username: connection.user,
        privateKey: connection.privateKey,
        readyTimeout: 15_000,
        keepaliveInterval: 5_000,
        hostVerifier: (key: Buffer) => {
            shared.presentedKey = key;
            return key.equals(pinned);
        },
    };
    client.connect(config);
    // Without it, Nagle's algorithm holds each small packet of the handshake for the server's
    // delayed ACK: 265 ms to a first command instead of 65 ms, measured on an emulated host.
    client.setNoDelay(true);
    return shared;
}

/**
 * Ends the shared connections no step uses now, without waiting for their idle timers: a command
 * that is done with its hosts exits at once instead of a second later.
 */
export function closeIdleConnections(): void {
    for (const [key, shared] of connections) {
        if (shared.users > 0) continue;
        clearTimeout(shared.idleTimer);
        shared.closed = true;
        connections.delete(key);
        shared.client.end();
    }
}

/** A connection for one step: the shared one when it is open and has room, else a new one. */
function takeConnection(connection: HostConnection, pinned: Buffer): { shared: SharedConnection; release: (broken: boolean) => void } {
    const key = connectionKey(connection);
    let shared = connections.get(key);
    const pooled = shared === undefined || shared.closed || shared.users < CHANNELS_PER_CONNECTION;
    if (shared === undefined || shared.closed || !pooled) {
        shared = openConnection(connection, pinned);
        if (pooled) {
            const opened = shared;
            connections.set(key, opened);
            opened.client.on("close", () => {
                if (connections.get(key) === opened) connections.delete(key);
            });
        }
    }
    const taken = shared;
    clearTimeout(taken.idleTimer);
    taken.users++;
    let released = false;
    const release = (broken: boolean) => {
        if (released) return;
        released = true;
        taken.users--;
        if (broken || !pooled) {
            taken.closed = true;
            if (connections.get(key) === taken) connections.delete(key);
            if (!pooled || taken.users === 0) taken.client.end();
            return;
        }
        if (taken.users === 0) {
            taken.idleTimer = setTimeout(() => {
                taken.closed = true;
                if (connections.get(key) === taken) connections.delete(key);
                taken.client.end();
            }, IDLE_CLOSE_MS);
        }
    };
    return { shared: taken, release };
}

/** One exec channel running the script; `beforeReady` on the error says whether anything ran. */
async function runOnce(connection: HostConnection, step: RemoteStep, pinned: Buffer): Promise<RemoteResult> {
    const timeoutSeconds = Math.ceil(step.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS);
    const command = remoteCommand(connection.user, timeoutSeconds, step.exclusive);
    const { shared, release } = takeConnection(connection, pinned);
    const client = shared.client;
    try {
        await shared.ready;
    } catch (error) {
        release(true);
        const keyMismatch = shared.presentedKey !== undefined && !shared.presentedKey.equals(pinned);
        throw keyMismatch
            ? new RemoteStepError("ssh-host-key", step.host, step.step,
                  `the host key presented by ${connection.address} is not the pinned one`, undefined, { cause: error })
            : new RemoteStepError("ssh-connect", step.host, step.step,
                  `cannot connect to ${connection.user}@${connection.address}:${connection.port}: ${(error as Error).message}`, undefined, { cause: error, beforeReady: true });
    }

    return new Promise<RemoteResult>((resolve, reject) => {
        let settled = false;
        let timer: NodeJS.Timeout | undefined = undefined;
        let started = false;
        // Lost before the host accepted the exec request, the step never started: safe to try again.
        const lost = (error?: Error) =>
            finish(
                new RemoteStepError("ssh-connect", step.host, step.step,
                    `lost the connection to ${connection.user}@${connection.address}:${connection.port}${error ? `: ${error.message}` : ""}`, undefined, { cause: error, beforeReady: !started }),
                true,
            );
        const onClose = () => lost();
        const finish = (error: Error | undefined, broken: boolean, value?: RemoteResult) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            client.removeListener("error", lost);
            client.removeListener("close", onClose);
            release(broken);
            if (error) reject(error);
            else resolve(value as RemoteResult);
        };
        client.on("error", lost);
        client.on("close", onClose);
        timer = setTimeout(() => {
            finish(
                new RemoteStepError("remote-step-timeout", step.host, step.step, `no result after ${timeoutSeconds} s, nor after the host's own timeout`),
                true,
            );
            // The host's `timeout` answers first when the host is reachable; this is for when it is not.
        }, (timeoutSeconds + KILL_AFTER_SECONDS + 5) * 1000);

        const opened = (error: Error | undefined, channel: ClientChannel) => {
            // A refused channel or exec request started nothing on the host: safe to try again.
            if (error) {
                return finish(new RemoteStepError("ssh-connect", step.host, step.step, `the host refused the session: ${error.message}`, undefined, { cause: error, beforeReady: true }), true);
            }
            started = true;
            let stdout = "";
            let stderr = "";
            let received = 0;
            const bound = (chunk: Buffer) => {
                received += chunk.length;
                if (step.maxOutputBytes === undefined || received <= step.maxOutputBytes) return true;
                channel.close();
                finish(new RemoteStepError("remote-output-too-large", step.host, step.step, `the host sent more than ${step.maxOutputBytes} bytes`), false);
                return false;
            };
            channel.on("data", (chunk: Buffer) => {
                if (bound(chunk)) stdout += chunk.toString();
            });
            channel.stderr.on("data", (chunk: Buffer) => {
                if (bound(chunk)) stderr += chunk.toString();
            });
            channel.on("close", (exitCode: number | null) => finish(undefined, false, { stdout, stderr, exitCode: exitCode ?? 255 }));
            channel.end(step.script);
        };
        try {
            client.exec(command, opened);
        } catch (error) {
            opened(error as Error, undefined as unknown as ClientChannel);
        }
    });
}

/** Runs one step's script once the connection allows, trying again while nothing has run yet. */
async function runWithRetries(connection: HostConnection, step: RemoteStep): Promise<RemoteResult> {
    const pinned = hostKeyBlob(connection.hostKey);
    for (let attempt = 1; ; attempt++) {
        try {
            return await runOnce(connection, step, pinned);
        } catch (error) {
            // A host that is booting, or an sshd throttling parallel logins, drops connections
            // before the handshake; nothing has run yet, so another attempt is safe.
            const retryable = error instanceof RemoteStepError && error.code === "ssh-connect" && error.beforeReady;
            if (!retryable || attempt >= connectAttempts) throw error;
            await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
        }
    }
}

/** The result, or the step's error when it timed out or failed and the step checks its exit. */
function checkedResult(step: RemoteStep, result: RemoteResult): RemoteResult {
    if ((step.check ?? true) && TIMED_OUT_STATUSES.includes(result.exitCode)) {
        throw new RemoteStepError("remote-step-timeout", step.host, step.step,
            `stopped on the host after ${Math.ceil(step.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS)} s (exit ${result.exitCode}): ${lastLines(result.stderr || result.stdout, 8)}`, result);
    }
    if ((step.check ?? true) && result.exitCode !== 0) {
        throw new RemoteStepError("remote-step-failed", step.host, step.step,
            `exited with ${result.exitCode}: ${lastLines(result.stderr || result.stdout, 8)}`, result);
    }
    return result;
}

interface WaitingRead {
    step: RemoteStep;
    resolve: (result: RemoteResult) => void;
    reject: (error: unknown) => void;
}

/** Read-only steps asked for in the same turn of the event loop, by connection. */
const waitingReads = new Map<string, WaitingRead[]>();

/**
 * Runs the reads asked for on one host in one turn as one exec channel (remote/joined-steps.ts):
 * `drift` and the converged `up` read a host's facts and its endpoints at once, and each exec
 * channel costs the host a shell, a `sudo` with its PAM session, and `timeout`.
 */
async function runJoinedReads(connection: HostConnection, reads: readonly WaitingRead[]): Promise<void> {
    if (reads.length === 1) {
        const [{ step, resolve, reject }] = reads;
        return runWithRetries(connection, step).then((result) => resolve(checkedResult(step, result)), reject);
    }
    const joined = joinSteps(reads.map((read) => read.step));
    let results: RemoteResult[] | undefined;
    try {
        const whole = await runWithRetries(connection, joined.step);
        results = splitJoinedResult(whole, joined);
        if (!results) {
            // Stopped before its last step ended: a timeout or a script that did not parse.
            checkedResult(joined.step, whole);
            throw new RemoteStepError("remote-step-failed", joined.step.host, joined.step.step, `ended before its last step did: ${lastLines(whole.stderr || whole.stdout, 8)}`, whole);
        }
    } catch (error) {
        reads.forEach((read) => read.reject(error));
        return;
    }
    reads.forEach((read, index) => {
        try {
            read.resolve(checkedResult(read.step, results![index]));
        } catch (error) {
            read.reject(error);
        }
    });
}

/**
 * Runs one script as root (through `sudo -n` for other users) and collects its output. Read-only
 * steps (`readOnly`) asked for on one host at the same time share one exec channel.
 */
export async function runRemote(connection: HostConnection, step: RemoteStep): Promise<RemoteResult> {
    if (!step.readOnly || step.exclusive !== undefined) return checkedResult(step, await runWithRetries(connection, step));
    const key = connectionKey(connection);
    return new Promise<RemoteResult>((resolve, reject) => {
        const waiting = waitingReads.get(key);
        if (waiting) return void waiting.push({ step, resolve, reject });
        waitingReads.set(key, [{ step, resolve, reject }]);
        setImmediate(() => {
            const reads = waitingReads.get(key)!;
            waitingReads.delete(key);
            void runJoinedReads(connection, reads);
        });
    });
}
