// The one option parser, command by command through `main`: the help on stdout (exit 0), wrong
// usage on stderr with the unknown option named (exit 64), --stack with --all refused everywhere,
// and which stacks a selection takes.
// Only usage is exercised: nothing here reaches a bench, an engine or a file to write.
import test from "ava";
import { PassThrough } from "node:stream";
import { EXIT_OK, EXIT_USAGE, UsageError } from "../../cli/command";
import { main } from "../../cli/main";
import { helpText, parseCommandLine } from "../../cli/options";
import { selectStacks } from "../../cli/stack-files";

function capture() {
    const printed = { stdout: "", stderr: "" };
    const sink = (key: keyof typeof printed) => {
        const stream = new PassThrough();
        stream.on("data", (chunk: Buffer) => (printed[key] += chunk.toString()));
        return stream;
    };
    return { io: { stdout: sink("stdout"), stderr: sink("stderr"), environment: {} }, printed };
}

const COMMANDS: readonly (readonly string[])[] = [["bench"], ["up"], ["test"], ["destroy"], ["drift"], ["validate"], ["classroom"], ["classroom", "init"], ["mirror"], ["report"]];

const help = test.macro({
    async exec(t, command: readonly string[], flag: string) {
        const { io, printed } = capture();
        t.is(await main([...command, flag], io), EXIT_OK);
        t.regex(printed.stdout, new RegExp(`^Usage: mptcp-lab ${command[0]}`));
        t.regex(printed.stdout, /-h, --help/);
        t.is(printed.stderr, "");
    },
    title: (_provided, command: readonly string[], flag: string) => `mptcp-lab ${command.join(" ")} ${flag} prints its help on stdout and exits 0`,
});

const unknownOption = test.macro({
    async exec(t, command: readonly string[]) {
        const { io, printed } = capture();
        t.is(await main([...command, "--no-such-option"], io), EXIT_USAGE);
        t.regex(printed.stderr, /^error: .*'--no-such-option'/);
        t.regex(printed.stderr, new RegExp(`\\nUsage: mptcp-lab ${command[0]}`));
        t.is(printed.stdout, "");
    },
    title: (_provided, command: readonly string[]) => `mptcp-lab ${command.join(" ")} names an unknown option on stderr and exits 64`,
});

for (const command of COMMANDS) {
    test(help, command, "--help");
    test(help, command, "-h");
    test(unknownOption, command);
}

const bothSelections = test.macro({
    async exec(t, command: string) {
        const { io, printed } = capture();
        t.is(await main([command, "--stack", "emulated", "--all"], io), EXIT_USAGE);
        t.regex(printed.stderr, /^error: give --stack or --all, not both\n/);
    },
    title: (_provided, command: string) => `mptcp-lab ${command} refuses --stack with --all`,
});
for (const command of ["up", "test", "destroy", "drift", "report"]) test(bothSelections, command);

test("--classroom goes with neither --stack nor --all", async (t) => {
    for (const [args, message] of [
        [["--stack", "emulated", "--classroom", "t-class"], "give --stack or --classroom, not both"],
        [["--all", "--classroom", "t-class"], "give --all or --classroom, not both"],
    ] as const) {
        const { io, printed } = capture();
        t.is(await main(["drift", ...args], io), EXIT_USAGE);
        t.true(printed.stderr.startsWith(`error: ${message}\n`), printed.stderr);
    }
});

test("--classroom takes a classroom's stacks in bench order, and nothing else", (t) => {
    const known = ["emulated", "seed-lab", "t-class-10", "t-class-2", "t-class-1", "t-class-x", "t-classic-1", "u-class-1"];
    t.deepEqual(selectStacks({ classroom: "t-class" }, "usage", known), ["t-class-1", "t-class-2", "t-class-10"]);
    t.deepEqual(selectStacks({ all: true }, "usage", known), known);
    t.deepEqual(selectStacks({}, "usage", known), ["emulated"]);
    const none = t.throws(() => selectStacks({ classroom: "v-class" }, "usage", known), { instanceOf: UsageError });
    t.is(none?.message, "no stack of classroom v-class in stacks/: `mptcp-lab classroom init --prefix v-class` writes v-class-1, v-class-2, ...");
    // The prefix becomes a pattern: only what classroom init accepts as one.
    t.throws(() => selectStacks({ classroom: "t.*" }, "usage", known), { instanceOf: UsageError, message: /--classroom takes a classroom's prefix/ });
});

test("an option's missing value is a usage error", async (t) => {
    const { io, printed } = capture();
    t.is(await main(["drift", "--stack"], io), EXIT_USAGE);
    t.regex(printed.stderr, /--stack/);
});

test("an option before the command is named as an option", async (t) => {
    const { io, printed } = capture();
    t.is(await main(["--all", "up"], io), EXIT_USAGE);
    t.regex(printed.stderr, /^error: unknown option "--all"/);
});

test("--repeat is an option of test only", async (t) => {
    const { io, printed } = capture();
    t.is(await main(["up", "--repeat", "3"], io), EXIT_USAGE);
    t.regex(printed.stderr, /'--repeat'/);
});

const spec = {
    synopsis: ["mptcp-lab thing [--stack NAME]... [--count N] [--quiet]", "mptcp-lab thing other"],
    about: ["What it does."],
    options: {
        stack: { type: "string", value: "NAME", multiple: true, description: "a stack" },
        count: { type: "string", value: "N", default: "4", description: ["how many (default 4);", "more than one line"] },
        quiet: { type: "boolean", description: "say less" },
    },
    exclusive: [["stack", "quiet"]],
    notes: ["Exit codes: 0 fine."],
} as const;

test("the help text is written from the option table", (t) => {
    t.is(
        helpText(spec),
        [
            "Usage: mptcp-lab thing [--stack NAME]... [--count N] [--quiet]",
            "       mptcp-lab thing other",
            "",
            "What it does.",
            "",
            "  --stack NAME   a stack",
            "  --count N      how many (default 4);",
            "                 more than one line",
            "  --quiet        say less",
            "  -h, --help     this text",
            "",
            "Exit codes: 0 fine.",
        ].join("\n"),
    );
});

test("values come typed, with defaults, repeated options as lists", (t) => {
    const { io } = capture();
    const parsed = parseCommandLine(spec, ["--stack", "a", "--stack=b"], io);
    t.deepEqual(parsed, { values: { stack: ["a", "b"], count: "4" }, positionals: [] });
});

test("a default does not count as given for options that exclude each other", (t) => {
    const { io } = capture();
    const exclusiveWithDefault = { ...spec, exclusive: [["count", "quiet"]] } as const;
    t.notThrows(() => parseCommandLine(exclusiveWithDefault, ["--quiet"], io));
    t.throws(() => parseCommandLine(exclusiveWithDefault, ["--quiet", "--count", "2"], io), { instanceOf: UsageError });
});

test("words that are not options are refused unless the command takes them", (t) => {
    const { io } = capture();
    t.throws(() => parseCommandLine(spec, ["extra"], io), { instanceOf: UsageError });
    t.deepEqual(parseCommandLine({ ...spec, positionals: true }, ["extra"], io)?.positionals, ["extra"]);
});
