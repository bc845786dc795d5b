// mptcp-lab command line. Subcommands live in their own modules, listed in COMMANDS: adding one is
// one line here. Each parses its arguments with cli/options.ts: `--help` on stdout, exit 0; wrong
// usage on stderr with the command's help, exit 64. Exit codes (cli/command.ts): 0 success; 1 failure (an error, or `bench status` of
// a bench that is not running); 2 drift found (`drift`); 64 wrong usage. `--debug` adds stack
// traces to errors.

import { failureLines } from "../errors";
import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./command";
import { startRunReaper } from "./run-reaper";

// The summaries live here, not in the modules, so that `--help` loads none of them (the lab
// commands bring in Pulumi's Automation API).
const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Command> }>> = {
    bench: { summary: "create, inspect or remove the emulated bench (hosts in network namespaces)", load: async () => (await import("./bench")).benchCommand },
    up: { summary: "create or update lab stacks, repair drift, run the failover test when needed", load: async () => (await import("./lab-commands")).upCommand },
    test: { summary: "re-run the failover test of lab stacks", load: async () => (await import("./lab-commands")).testCommand },
    destroy: { summary: "remove lab stacks' resources (and emulated benches)", load: async () => (await import("./lab-commands")).destroyCommand },
    drift: { summary: "compare the hosts with their stacks (endpoints, limits, MPTCP switch); exit 2 on drift", load: async () => (await import("./drift")).driftCommand },
    validate: { summary: "check lab files and stack files (no network, no engine)", load: async () => (await import("./validate")).validateCommand },
    classroom: { summary: "write a classroom's bench stacks from a template stack (`classroom init`)", load: async () => (await import("./classroom")).classroomCommand },
    mirror: { summary: "prepare this machine's mirror of the lab's iperf3 repository and say how to serve it", load: async () => (await import("./mirror")).mirrorCommand },
    report: { summary: "write an HTML report of failover results with charts, and print a summary", load: async () => (await import("./report")).reportCommand },
};

function usage(): string {
    const lines = ["Usage: mptcp-lab <command> [options]   (--debug: stack traces; --help: this text)", "", "Commands:"];
    for (const [name, { summary }] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${summary}`);
    return lines.join("\n");
}

/** Code, place, message and hint of any error (errors/format.ts); the stack only when asked for. */
export function formatError(error: unknown, debug: boolean): string {
    const details = error as { stack?: unknown; cause?: unknown };
    const lines = failureLines(error);
    if (debug && typeof details.stack === "string") lines.push(details.stack);
    if (debug && details.cause !== undefined) lines.push(`cause: ${details.cause instanceof Error ? details.cause.stack : String(details.cause)}`);
    return lines.join("\n");
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
    const debug = argv.includes("--debug");
    const args = argv.filter((arg) => arg !== "--debug");
    try {
        const [name, ...rest] = args;
        if (name === "--help" || name === "-h") {
            io.stdout.write(`${usage()}\n`);
            return EXIT_OK;
        }
        if (name === undefined) throw new UsageError("missing command", usage());
        if (name.startsWith("-")) throw new UsageError(`unknown option ${JSON.stringify(name)} (options come after the command)`, usage());
        const command = COMMANDS[name];
        if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`, usage());
        return await (await command.load()).run(rest, io);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr.write(`error: ${error.message}\n\n${error.usage}\n`);
            return EXIT_USAGE;
        }
        io.stderr.write(`${formatError(error, debug)}\n`);
        return EXIT_FAILURE;
    }
}

/** Commands that start the engine: whatever it starts ends with the run (cli/run-reaper.ts). */
const ENGINE_COMMANDS: readonly string[] = ["up", "test", "destroy", "classroom"];

if (require.main === module) {
    if (ENGINE_COMMANDS.includes(process.argv.slice(2).find((arg) => arg !== "--debug") ?? "")) startRunReaper(process.env);
    void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, environment: process.env }).then((code) => {
        process.exitCode = code;
    });
}
