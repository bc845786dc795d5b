// `mptcp-lab validate FILE...`: checks lab files and stack files (recognised by a top-level
// `config:` key) and prints every problem. Touches no network and no engine.
// Exit codes: 0 every file is usable (warnings may be printed), 1 some file has errors,
// 64 the command line is wrong.
import { formatProblem, LabError, loadLabFile, type LabProblem } from "../lab";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./command";

export const VALIDATE_USAGE = `Usage: mptcp-lab validate FILE...

Checks each lab file or Pulumi stack file (stacks/Pulumi.<stack>.yaml, the lab under
config: mptcp-lab:lab) and prints every problem as file:line:column severity code path.

Exit codes: 0 all files usable (warnings allowed), 1 errors found, 64 usage error.
`;

export interface ValidateOutput {
    write(text: string): unknown;
}

export async function runValidate(argv: string[], out: ValidateOutput = process.stdout): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        out.write(VALIDATE_USAGE);
        return EXIT_OK;
    }
    const unknownOption = argv.find((argument) => argument.startsWith("-"));
    if (argv.length === 0 || unknownOption !== undefined) {
        out.write(`${unknownOption === undefined ? "No file given." : `Unknown option ${unknownOption}.`}\n${VALIDATE_USAGE}`);
        return EXIT_USAGE;
    }
    let failed = false;
    for (const file of argv) {
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
