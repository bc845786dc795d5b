// Running the machine's tools: argv arrays only (never a shell string built from input), a fixed
// system PATH (npm puts node_modules/.bin first, where `nft` is an unrelated tool), C locale.

import { spawn } from "node:child_process";
import { BenchError } from "./errors";

export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function systemEnvironment(): NodeJS.ProcessEnv {
    return { ...process.env, PATH: SYSTEM_PATH, LC_ALL: "C" };
}

export interface RunOptions {
    /** Written to the command's standard input. */
    readonly input?: string;
    readonly timeoutMs?: number;
}

export interface RunResult {
    readonly ok: boolean;
    readonly exitCode: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs a command to its end and reports how it went; never throws for a non-zero exit. */
export function tryRun(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { env: systemEnvironment(), stdio: ["pipe", "pipe", "pipe"] });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
        child.on("error", (error) => {
            clearTimeout(timer);
            reject(new BenchError("BENCH_COMMAND_FAILED", `cannot run ${command}: ${error.message}`, { cause: error }));
        });
        child.on("close", (exitCode, signal) => {
            clearTimeout(timer);
            const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");
            const killedBy = signal ? `\n(killed by ${signal})` : "";
            resolve({ ok: exitCode === 0, exitCode, stdout: text(stdout), stderr: text(stderr) + killedBy });
        });
        child.stdin.on("error", () => undefined); // a command that exits without reading its input
        child.stdin.end(options.input ?? "");
    });
}

export function describeCommand(command: string, args: readonly string[]): string {
    return [command, ...args].map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word))).join(" ");
}

/** Runs a command and throws BENCH_COMMAND_FAILED, with its error output, unless it succeeds. */
export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const result = await tryRun(command, args, options);
    if (!result.ok) {
        const detail = result.stderr.trim().split("\n").slice(-5).join("\n");
        throw new BenchError("BENCH_COMMAND_FAILED", `${describeCommand(command, args)} failed (exit ${result.exitCode}): ${detail}`);
    }
    return result;
}

/** `ip [-n namespace] -j ...` parsed; iproute2 prints nothing at all for an empty list. */
export async function ipJson<T>(namespace: string | undefined, args: readonly string[]): Promise<T[]> {
    const prefix = namespace ? ["-n", namespace] : [];
    const result = await run("ip", [...prefix, "-j", ...args]);
    const text = result.stdout.trim();
    return text === "" ? [] : (JSON.parse(text) as T[]);
}

/** `ip [-n namespace] ...`, throwing on failure. */
export async function ip(namespace: string | undefined, args: readonly string[]): Promise<void> {
    await run("ip", [...(namespace ? ["-n", namespace] : []), ...args]);
}

/** `ip -batch -` runs many commands with one process; iproute2 stops at the first failing line. */
export async function ipBatch(namespace: string | undefined, commands: readonly (readonly string[])[]): Promise<void> {
    if (commands.length === 0) return;
    for (const command of commands) {
        if (command.some((word) => /[\s"'\\#]/.test(word))) throw new RangeError(`unsafe word in ip batch: ${command.join(" ")}`);
    }
    const input = commands.map((command) => command.join(" ")).join("\n") + "\n";
    await run("ip", [...(namespace ? ["-n", namespace] : []), "-batch", "-"], { input });
}
