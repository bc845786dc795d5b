// Runs scripts on a host over SSH with ssh2: the host key is pinned (a mismatch is refused before
// any command runs), the script travels on stdin so nothing is spliced into a command line.
import { Client, ClientChannel, ConnectConfig } from "ssh2";
import { CodedError } from "../errors/coded-error";
import type { RemoteErrorCode } from "../errors/hints";
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

/** One SSH session running the script; `beforeReady` on the error says whether anything ran. */
function runOnce(connection: HostConnection, step: RemoteStep, pinned: Buffer): Promise<RemoteResult> {
    const timeoutSeconds = Math.ceil(step.timeoutSeconds ?? 600);
    const command = remoteCommand(connection.user, timeoutSeconds, step.exclusive);
    let presentedKey: Buffer | undefined;
    let ready = false;

    return new Promise<RemoteResult>((resolve, reject) => {
        const client = new Client();
        let settled = false;
        let timer: NodeJS.Timeout | undefined = undefined;
        const finish = (error: Error | undefined, value?: RemoteResult) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            client.end();
            if (error) reject(error);
            else resolve(value as RemoteResult);
        };
        timer = setTimeout(() => {
            finish(
                new RemoteStepError("remote-step-timeout", step.host, step.step, `no result after ${timeoutSeconds} s, nor after the host's own timeout (the host may be unreachable)`),
            );
            // The host's `timeout` answers first when the host is reachable; this is for when it is not.
        }, (timeoutSeconds + KILL_AFTER_SECONDS + 5) * 1000);

        client.on("ready", () => {
            ready = true;
            client.exec(command, (error: Error | undefined, channel: ClientChannel) => {
                if (error) return finish(error);
                let stdout = "";
                let stderr = "";
                let received = 0;
                const bound = (chunk: Buffer) => {
                    received += chunk.length;
                    if (step.maxOutputBytes === undefined || received <= step.maxOutputBytes) return true;
                    channel.close();
                    finish(new RemoteStepError("remote-output-too-large", step.host, step.step, `the host sent more than ${step.maxOutputBytes} bytes`));
                    return false;
                };
                channel.on("data", (chunk: Buffer) => {
                    if (bound(chunk)) stdout += chunk.toString();
                });
                channel.stderr.on("data", (chunk: Buffer) => {
                    if (bound(chunk)) stderr += chunk.toString();
                });
                channel.on("close", (exitCode: number | null) => finish(undefined, { stdout, stderr, exitCode: exitCode ?? 255 }));
                channel.end(step.script);
            });
        });
        client.on("error", (error: Error) => {
            const keyMismatch = presentedKey !== undefined && !presentedKey.equals(pinned);
            finish(
                keyMismatch
                    ? new RemoteStepError("ssh-host-key", step.host, step.step,
                          `the host key presented by ${connection.address} is not the pinned one`, undefined, { cause: error })
                    : new RemoteStepError("ssh-connect", step.host, step.step,
                          `cannot connect to ${connection.user}@${connection.address}:${connection.port}: ${error.message}`, undefined, { cause: error, beforeReady: !ready }),
            );
        });
        const config: ConnectConfig = {
            host: connection.address,
            port: connection.port,
            username: connection.user,
            privateKey: connection.privateKey,
            readyTimeout: 15_000,
            keepaliveInterval: 5_000,
            hostVerifier: (key: Buffer) => {
                presentedKey = key;
                return key.equals(pinned);
            },
        };
        client.connect(config);
    });
}

/** Runs one script as root (through `sudo -n` for other users) and collects its output. */
export async function runRemote(connection: HostConnection, step: RemoteStep): Promise<RemoteResult> {
    const pinned = hostKeyBlob(connection.hostKey);
    let result: RemoteResult | undefined;
    for (let attempt = 1; result === undefined; attempt++) {
        try {
            result = await runOnce(connection, step, pinned);
        } catch (error) {
            // A host that is booting, or an sshd throttling parallel logins, drops connections
            // before the handshake; nothing has run yet, so another attempt is safe.
            const retryable = error instanceof RemoteStepError && error.code === "ssh-connect" && error.beforeReady;
            if (!retryable || attempt >= connectAttempts) throw error;
            await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
        }
    }

    if ((step.check ?? true) && TIMED_OUT_STATUSES.includes(result.exitCode)) {
        throw new RemoteStepError("remote-step-timeout", step.host, step.step,
            `stopped on the host after ${Math.ceil(step.timeoutSeconds ?? 600)} s (exit ${result.exitCode}): ${lastLines(result.stderr || result.stdout, 8)}`, result);
    }
    if ((step.check ?? true) && result.exitCode !== 0) {
        throw new RemoteStepError("remote-step-failed", step.host, step.step,
            `exited with ${result.exitCode}: ${lastLines(result.stderr || result.stdout, 8)}`, result);
    }
    return result;
}
