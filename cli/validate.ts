// `mptcp-lab validate FILE...`: checks lab files and stack files (recognised by a top-level
// `config:` key) and prints every problem. Touches no network and no engine.
// Exit codes: 0 every file is usable (warnings may be printed), 1 some file has errors,
// 64 the command line is wrong.
import { formatProblem, LabError, loadLabFile, type LabProblem } from "../lab";
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from "./command";
import { type CommandSpec, helpText, type OptionTable, parseCommandLine } from "./options";

const spec = {
    synopsis: ["mptcp-lab validate FILE..."],
    about: [
        "Checks each lab file or Pulumi stack file (stacks/Pulumi.<stack>.yaml, the lab under",
        "config: mptcp-lab:lab) and prints every problem as file:line:column severity code path.",
    ],
    options: {},
    positionals: true,
    notes: ["Exit codes: 0 all files usable (warnings allowed), 1 errors found, 64 usage error."],
} as const satisfies CommandSpec<OptionTable>;

export const validateCommand: Command = {
    async run(args, io) {
        const parsed = parseCommandLine(spec, args, io);
        if (!parsed) return EXIT_OK;
        if (parsed.positionals.length === 0) throw new UsageError("no file given", helpText(spec));
        return validateFiles(parsed.positionals, io.stdout);
    },
};

export interface ValidateOutput {
    write(text: string): unknown;
}

/** Validates each file, printing its problems and a verdict line; resolves to the exit code. */
export async function validateFiles(files: readonly string[], out: ValidateOutput): Promise<number> {
    let failed = false;
    for (const file of files) {
        const problems = validateFile(file);
        for (const problem of problems) out.write(`${formatProblem(problem)}\n`);
        const errors = problems.filter((problem) => problem.severity === "error").length;
        const warnings = problems.length - errors;
        out.write(`${file}: ${errors === 0 ? "valid" : "invalid"}${summary(errors, warnings)}\n`);
        failed ||= errors > 0;
    }
    return failed ? EXIT_FAILURE : EXIT_OK;
}

function validateFile(file: string): readonly LabProblem[] {
    try {
        return loadLabFile(file).warnings;
    } catch (error) {
        if (error instanceof LabError) return error.problems;
        throw error;
    }
}

function summary(errors: number, warnings: number): string {
    const parts = [
        errors > 0 ? `${errors} ${errors === 1 ? "error" : "errors"}` : "",
        warnings > 0 ? `${warnings} ${warnings === 1 ? "warning" : "warnings"}` : "",
    ].filter((part) => part !== "");
    return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}
