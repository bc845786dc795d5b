// What every subcommand module provides, the exit codes they share, and the usage error.
import { isCi } from "./ci";

/**
 * Exit codes of mptcp-lab, the same for every command: 0 success, 1 failure (an error or an
 * unhealthy result), 2 drift found (`drift` only, as Terraform's `plan -detailed-exitcode`), 64
 * wrong usage (sysexits' EX_USAGE, so that a mistyped option is never taken for drift).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_DRIFT = 2;
export const EXIT_USAGE = 64;

export interface CommandIo {
    readonly stdout: NodeJS.WritableStream;
    readonly stderr: NodeJS.WritableStream;
    readonly environment: NodeJS.ProcessEnv;
}

export interface Command {
    /** Runs with the arguments after the command's name; resolves to the exit code. */
    run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** Wrong arguments: printed with the command's usage, exit code 64 (EXIT_USAGE). */
export class UsageError extends Error {
    readonly usage: string;

    constructor(message: string, usage: string) {
        super(message);
        this.name = "UsageError";
        this.usage = usage;
    }
}

/** Plain output (no spinners, no cursor movement) off a terminal and in CI. */
export function wantsPlainOutput(io: CommandIo): boolean {
    const onTerminal = (io.stdout as NodeJS.WriteStream).isTTY === true;
    return !onTerminal || isCi(io.environment);
}

/** A whole number from 1 to 99 given to an option such as --concurrency. */
export function parseCount(option: string, text: string | undefined, usage: string): number {
    if (text === undefined || !/^[1-9][0-9]?$/.test(text)) throw new UsageError(`${option} takes 1 to 99, not ${JSON.stringify(text ?? "nothing")}`, usage);
    return Number(text);
}
