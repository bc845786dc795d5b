// mptcp-lab command line. Subcommands live in their own modules, listed in COMMANDS: adding one is
// one line here. Exit codes (cli/command.ts): 0 success; 1 failure (an error, or `bench status` of
// a bench that is not running); 2 drift found (`drift`); 64 wrong usage. `--debug` adds stack
// traces to errors.

import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./command";

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
    bench: async () => (await import("./bench")).benchCommand,
    up: async () => (await import("./lab-commands")).upCommand,
    test: async () => (await import("./lab-commands")).testCommand,
    destroy: async () => (await import("./lab-commands")).destroyCommand,
    drift: async () => (await import("./drift")).driftCommand,
    validate: async () => adaptValidate(await import("./validate")),
    classroom: async () => (await import("./classroom")).classroomCommand,
    report: async () => (await import("./report")).reportCommand,
};

/** `validate` predates the Command interface: wrap its entry point. */
function adaptValidate(module: typeof import("./validate")): Command {
    return { summary: "check lab files and stack files (no network, no engine)", run: (args, io) => module.runValidate([...args], io.stdout) };
}

async function usage(): Promise<string> {
    const lines = ["Usage: mptcp-lab <command> [options]   (--debug: stack traces; --help: this text)", "", "Commands:"];
    for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
    return lines.join("\n");
}

/** Code, message and hint of any error; the stack only when asked for. */
export function formatError(error: unknown, debug: boolean): string {
    const details = error as { code?: unknown; hint?: unknown; stack?: unknown; cause?: unknown };
    const message = error instanceof Error ? error.message : String(error);
    const lines = [`error${typeof details.code === "string" ? ` ${details.code}` : ""}: ${message}`];
    if (typeof details.hint === "string" && details.hint !== "") lines.push(`hint: ${details.hint}`);
    if (debug && typeof details.stack === "string") lines.push(details.stack);
    if (debug && details.cause !== undefined) lines.push(`cause: ${details.cause instanceof Error ? details.cause.stack : String(details.cause)}`);
    return lines.join("\n");
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
    const debug = argv.includes("--debug");
    const args = argv.filter((arg) => arg !== "--debug");
    try {
        const [name, ...rest] = args;
        if (name === undefined || name === "--help" || name === "-h") {
            io.stdout.write(`${await usage()}\n`);
            return name === undefined ? EXIT_USAGE : EXIT_OK;
        }
        const load = COMMANDS[name];
        if (!load) throw new UsageError(`unknown command ${JSON.stringify(name)}`, await usage());
        return await (await load()).run(rest, io);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr.write(`error: ${error.message}\n\n${error.usage}\n`);
            return EXIT_USAGE;
        }
        io.stderr.write(`${formatError(error, debug)}\n`);
        return EXIT_FAILURE;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, environment: process.env }).then((code) => {
        process.exitCode = code;
    });
}
