// Errors of the emulated bench: a coded error (hints in errors/hints.ts) and, for checks that
// collect several findings, the list of problems.
import { CodedError, type CodedErrorOptions } from "../errors/coded-error";
import { type BenchErrorCode, hintFor } from "../errors/hints";

export type { BenchErrorCode };

/** One finding of a check that collects several: what, where, what was seen, what was expected. */
export interface BenchProblem {
    readonly code: BenchErrorCode;
    /** Where the problem is, e.g. `hosts[1].interfaces[0].cidr` or a tool's name. */
    readonly path: string;
    readonly value?: unknown;
    readonly expected: string;
    /** How to fix this one, when it differs from the code's general hint. */
    readonly hint?: string;
}

export interface BenchErrorOptions extends CodedErrorOptions {
    readonly problems?: readonly BenchProblem[];
}

export class BenchError extends CodedError<BenchErrorCode> {
    readonly problems: readonly BenchProblem[];

    constructor(code: BenchErrorCode, message: string, options: BenchErrorOptions = {}) {
        super(code, message, options);
        this.name = "BenchError";
        this.problems = options.problems ?? [];
    }
}

export { hintFor };

export function describeProblem(problem: BenchProblem): string {
    const seen = problem.value === undefined ? "" : ` (got ${JSON.stringify(problem.value)})`;
    return `${problem.path}: expected ${problem.expected}${seen}`;
}

/** One error carrying every problem, or nothing when the list is empty. */
export function throwIfProblems(code: BenchErrorCode, summary: string, problems: readonly BenchProblem[]): void {
    if (problems.length === 0) return;
    const lines = problems.map((problem) => `  - ${describeProblem(problem)}`);
    const hints = [...new Set(problems.map((problem) => problem.hint ?? hintFor(problem.code)))];
    throw new BenchError(code, `${summary}:\n${lines.join("\n")}`, { problems, hint: hints.join("\n") });
}
