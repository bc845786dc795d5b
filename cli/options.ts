// One option parser for every command: each command declares its options in a table, which
// Node's own util.parseArgs reads strictly and which also writes the command's help text. The
// same behaviour everywhere: `--help`/`-h` prints the help on stdout (exit 0); an unknown option,
// a missing value, an argument the command does not take or two options that exclude each other
// (--stack with --all) is a UsageError (main prints it with the help on stderr, exit 64).
import { parseArgs } from "node:util";
import { type CommandIo, UsageError } from "./command";

export interface OptionSpec {
    readonly type: "string" | "boolean";
    /** The value's name in the help (`--stack NAME`); string options only. */
    readonly value?: string;
    /** Repeatable (`--stack a --stack b`): the values come as a list. */
    readonly multiple?: boolean;
    readonly default?: string;
    /** One line in the help; further lines continue it. */
    readonly description: string | readonly string[];
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<O extends OptionTable> {
    /** The lines after "Usage: ", e.g. "mptcp-lab drift [--stack NAME]... [--all]". */
    readonly synopsis: readonly string[];
    /** Paragraph between the synopsis and the options. */
    readonly about?: readonly string[];
    readonly options: O;
    /** Lines after the options (exit codes, notes). */
    readonly notes?: readonly string[];
    /** Whether words that are not options are taken (files, an action). */
    readonly positionals?: boolean;
    /** Options that may not be given together. */
    readonly exclusive?: readonly (readonly [keyof O & string, keyof O & string])[];
}

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
    ? boolean | undefined
    : S extends { multiple: true }
      ? string[] | undefined
      : S extends { default: string }
        ? string
        : string | undefined;

export type OptionValues<O extends OptionTable> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface ParsedCommandLine<O extends OptionTable> {
    readonly values: OptionValues<O>;
    readonly positionals: string[];
}

/** The help text of a command, from its table. */
export function helpText<O extends OptionTable>(spec: CommandSpec<O>): string {
    const [first = "", ...more] = spec.synopsis;
    const lines = [`Usage: ${first}`, ...more.map((line) => `       ${line}`)];
    if (spec.about) lines.push("", ...spec.about);
    const labels = Object.entries(spec.options).map(([name, option]) => `--${name}${option.type === "string" && option.value ? ` ${option.value}` : ""}`);
    const width = Math.max(...labels.map((label) => label.length), "-h, --help".length) + 3;
    lines.push("");
    Object.values(spec.options).forEach((option, index) => {
        const [text, ...continued] = typeof option.description === "string" ? [option.description] : option.description;
        lines.push(`  ${labels[index].padEnd(width)}${text}`, ...continued.map((line) => `  ${"".padEnd(width)}${line}`));
    });
    lines.push(`  ${"-h, --help".padEnd(width)}this text`);
    if (spec.notes) lines.push("", ...spec.notes);
    return lines.join("\n");
}

/** The first sentence of util.parseArgs' message ("Unknown option '--colour'"). */
function parseError(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return message.split(/\.\s/)[0].replace(/\.$/, "");
}

/**
 * Parses a command's arguments by its table. Returns undefined when the help was asked for (it is
 * then printed on stdout); wrong arguments throw a UsageError carrying the help.
 */
export function parseCommandLine<O extends OptionTable>(spec: CommandSpec<O>, args: readonly string[], io: CommandIo): ParsedCommandLine<O> | undefined {
    const usage = helpText(spec);
    const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; default?: string; short?: string }> = { help: { type: "boolean", short: "h" } };
    for (const [name, option] of Object.entries(spec.options)) {
        options[name] = { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(option.default !== undefined ? { default: option.default } : {}) };
    }
    let parsed: { values: Record<string, unknown>; positionals: string[]; tokens: readonly { kind: string; name?: string }[] };
    try {
        parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: spec.positionals === true, tokens: true });
    } catch (error) {
        throw new UsageError(parseError(error), usage);
    }
    if (parsed.values.help === true) {
        io.stdout.write(`${usage}\n`);
        return undefined;
    }
    // Given by the user, not a default.
    const given = new Set(parsed.tokens.filter((token) => token.kind === "option").map((token) => token.name));
    for (const [one, other] of spec.exclusive ?? []) {
        if (given.has(one) && given.has(other)) throw new UsageError(`give --${one} or --${other}, not both`, usage);
    }
    delete parsed.values.help;
    return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals };
}

/** `--stack NAME`..., `--all` or `--classroom PREFIX`, as up, test, destroy, drift and report take them. */
export const stackSelection = {
    stack: { type: "string", value: "NAME", multiple: true, description: "a stack from stacks/ (repeatable; default: emulated)" },
    all: { type: "boolean", description: "every stack in stacks/, seed-lab's Raspberry Pis included" },
    classroom: { type: "string", value: "PREFIX", description: "the benches `classroom init --prefix PREFIX` wrote: PREFIX-1, PREFIX-2, ..." },
} as const satisfies OptionTable;

/** The three exclude each other: which of them was meant is not for the command to guess. */
export const stackSelectionExclusive = [["stack", "all"], ["stack", "classroom"], ["all", "classroom"]] as const;
