// `mptcp-lab classroom init --benches N --from STACK [--prefix NAME] [--first-index K] [--force]`:
// bench stacks for a classroom, one per student bench, from a template stack.
import * as path from "path";
import { type Command, type CommandIo, EXIT_OK, parseCommandOptions, parseCount, UsageError } from "./command";
import { RUNTIME_ROOT } from "../bench/naming";
import { planClassroom, writeClassroom } from "./classroom-plan";
import { stacksDir } from "./lab-stacks";

const usage = [
    "Usage: mptcp-lab classroom init --benches N --from STACK [--prefix NAME] [--first-index K] [--force]",
    "",
    "  --benches N       how many bench stacks to write (1 to 99)",
    "  --from STACK      the template stack in stacks/ (an emulated bench)",
    "  --prefix NAME     stacks, labs and benches are NAME-1 .. NAME-N (default: class)",
    "  --first-index K   lowest subnet index to hand out: 198.18.K.0/24, 198.19.K.0/24 (default 1);",
    "                    indexes of other stacks and of running benches are skipped",
    "  --force           overwrite stack files of the same names",
    "",
    "Every lab is validated before anything is written; nothing is written on any error.",
    "Exit codes: 0 written, 1 a problem (nothing written), 64 wrong usage.",
].join("\n");

const options = {
    benches: { type: "string" },
    from: { type: "string" },
    prefix: { type: "string", default: "class" },
    "first-index": { type: "string", default: "1" },
    force: { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const;

/** The classroom command over a folder of stack files (stacks/ for the real command). */
export function makeClassroomCommand(stacksDir: string, runningBenchesDir?: string): Command {
    return {
        async run(args: readonly string[], io: CommandIo) {
            const [subcommand, ...rest] = args;
            if (subcommand === "--help" || subcommand === "-h") {
                io.stdout.write(`${usage}\n`);
                return EXIT_OK;
            }
            if (subcommand !== "init") throw new UsageError(subcommand === undefined ? "classroom needs a subcommand" : `unknown classroom subcommand ${JSON.stringify(subcommand)}`, usage);
            const parsed = parseCommandOptions(rest, options, usage, io);
            if (!parsed) return EXIT_OK;
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
            io.stdout.write(`next: mptcp-lab up ${planned.map((bench) => `--stack ${bench.name}`).join(" ")} --concurrency 2\n`);
            return EXIT_OK;
        },
    };
}

export const classroomCommand = makeClassroomCommand(stacksDir, RUNTIME_ROOT);
