// `mptcp-lab classroom init --benches N --from STACK [--prefix NAME] [--first-index K] [--force]`:
// bench stacks for a classroom, one per student bench, from a template stack.
import * as path from "path";
import { type Command, type CommandIo, EXIT_OK, parseCount, UsageError } from "./command";
import { type CommandSpec, helpText, type OptionTable, parseCommandLine } from "./options";
import { RUNTIME_ROOT } from "../bench/naming";
import { planClassroom, writeClassroom } from "./classroom-plan";
import { stacksDir } from "./stack-files";

const spec = {
    synopsis: ["mptcp-lab classroom init --benches N --from STACK [--prefix NAME] [--first-index K] [--force]"],
    options: {
        benches: { type: "string", value: "N", description: "how many bench stacks to write (1 to 99)" },
        from: { type: "string", value: "STACK", description: "the template stack in stacks/ (an emulated bench)" },
        prefix: { type: "string", value: "NAME", default: "class", description: "stacks, labs and benches are NAME-1 .. NAME-N (default: class)" },
        "first-index": {
            type: "string",
            value: "K",
            default: "1",
            description: ["lowest subnet index to hand out: 198.18.K.0/24, 198.19.K.0/24 (default 1);", "indexes of other stacks and of running benches are skipped"],
        },
        force: { type: "boolean", description: "overwrite stack files of the same names" },
    },
    positionals: true,
    notes: ["Every lab is validated before anything is written; nothing is written on any error.", "Exit codes: 0 written, 1 a problem (nothing written), 64 wrong usage."],
} as const satisfies CommandSpec<OptionTable>;
const usage = helpText(spec);

/** The classroom command over a folder of stack files (stacks/ for the real command). */
export function makeClassroomCommand(stacksDir: string, runningBenchesDir?: string): Command {
    return {
        async run(args: readonly string[], io: CommandIo) {
            const commandLine = parseCommandLine(spec, args, io);
            if (!commandLine) return EXIT_OK;
            const [subcommand, ...extra] = commandLine.positionals;
            if (subcommand !== "init") throw new UsageError(subcommand === undefined ? "classroom needs a subcommand" : `unknown classroom subcommand ${JSON.stringify(subcommand)}`, usage);
            if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`, usage);
            const parsed = commandLine.values;
            const benches = parseCount("--benches", parsed.benches, usage);
            if (parsed.from === undefined) throw new UsageError("--from STACK is required", usage);
            if (!/^[a-z][a-z0-9-]*$/.test(parsed.prefix)) throw new UsageError(`--prefix takes lower-case letters, digits and dashes, starting with a letter, not ${JSON.stringify(parsed.prefix)}`, usage);
            if (!/^[0-9]{1,3}$/.test(parsed["first-index"]) || Number(parsed["first-index"]) > 255) throw new UsageError(`--first-index takes 0 to 255, not ${JSON.stringify(parsed["first-index"])}`, usage);

            const planned = planClassroom({
                stacksDir,
                from: parsed.from,
                benches,
                prefix: parsed.prefix,
                firstIndex: Number(parsed["first-index"]),
                force: parsed.force === true,
                runningBenchesDir,
            });
            writeClassroom(planned);
            for (const bench of planned) {
                io.stdout.write(`wrote ${path.relative(process.cwd(), bench.file)}: bench ${bench.name}, lab ${bench.subnet}, management ${bench.managementSubnet}\n`);
            }
            io.stdout.write(`next: mptcp-lab up --classroom ${parsed.prefix} --concurrency 2\n`);
            return EXIT_OK;
        },
    };
}

export const classroomCommand = makeClassroomCommand(stacksDir, RUNTIME_ROOT);
