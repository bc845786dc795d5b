// What every subcommand module provides, the exit codes they share, and the usage error.

/** Exit codes of mptcp-lab: 0 success, 1 failure (error or an unhealthy result), 2 wrong usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CommandIo {
    readonly stdout: NodeJS.WritableStream;
    readonly stderr: NodeJS.WritableStream;
    readonly environment: NodeJS.ProcessEnv;
}

export interface Command {
    /** One line for `mptcp-lab --help`. */
    readonly summary: string;
    /** Runs with the arguments after the command's name; resolves to the exit code. */
    run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** Wrong arguments: printed with the command's usage, exit code 2. */
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
    const inCi = io.environment.CI !== undefined && io.environment.CI !== "" && io.environment.CI !== "false";
    return !onTerminal || inCi;
}
