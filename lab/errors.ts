// Problems found in a lab definition: plain values with a stable code, the place in the source,
// the value seen, what was expected and a hint. Hints live in the one table of errors/hints.ts,
// keyed by code; the codes that are only warnings are listed here.
import { hintFor, PROBLEM_CODES, type ProblemCode } from "../errors/hints";

export { PROBLEM_CODES, type ProblemCode };

export type Severity = "error" | "warning";

/** Codes that report something to reconsider, not a lab that cannot be used. */
const WARNINGS: ReadonlySet<ProblemCode> = new Set<ProblemCode>(["unquoted-number", "endpoint-role-flags", "failover-primary-path", "iperf3-native-package"]);

export function severityOf(code: ProblemCode): Severity {
    return WARNINGS.has(code) ? "warning" : "error";
}

export interface LabProblem {
    readonly code: ProblemCode;
    readonly severity: Severity;
    readonly file: string;
    /** 1-based. */
    readonly line: number;
    /** 1-based. */
    readonly column: number;
    /** Path of the field in the lab, e.g. `hosts.client.endpoints[1].flags[0]`; empty for the whole lab. */
    readonly path: string;
    /** The value seen; undefined when there was none. */
    readonly value: unknown;
    /** What is wrong, in one sentence. */
    readonly message: string;
    readonly expected: string;
    readonly hint: string;
}

/** Where a problem is: file, line, column and the field's path. */
export interface ProblemSite {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly path: string;
}

export interface ProblemDetails {
    readonly message: string;
    readonly value?: unknown;
    readonly expected: string;
}

export function labProblem(code: ProblemCode, site: ProblemSite, details: ProblemDetails): LabProblem {
    return { code, severity: severityOf(code), ...site, value: details.value, message: details.message, expected: details.expected, hint: hintFor(code) };
}

export { hintFor };

export function isError(problem: LabProblem): boolean {
    return problem.severity === "error";
}

/** A lab that cannot be used; `problems` holds every error (and warning) found. */
export class LabError extends Error {
    readonly problems: readonly LabProblem[];

    constructor(problems: readonly LabProblem[], options?: { cause?: unknown }) {
        const errors = problems.filter(isError);
        const heading = `${errors.length} ${errors.length === 1 ? "error" : "errors"} in lab ${errors[0]?.file ?? ""}`.trimEnd();
        super([heading, ...errors.map(formatProblem)].join("\n"), options);
        this.name = "LabError";
        this.problems = problems;
    }
}

/** One line: `file:line:column severity code path: message (expected ...). Hint: ...` */
export function formatProblem(problem: LabProblem): string {
    const place = `${problem.file}:${problem.line}:${problem.column}`;
    const field = problem.path === "" ? "" : ` ${problem.path}`;
    const text = `${place} ${problem.severity} ${problem.code}${field}: ${problem.message} (expected ${problem.expected}). Hint: ${problem.hint}`;
    return oneLine(text);
}

/** A value as it appears in a message: plain when it is a simple token, JSON-quoted otherwise. */
export function showValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (typeof value === "string") return /^[\x21-\x7e]+$/.test(value) && !/["'`]/.test(value) ? value : JSON.stringify(value);
    if (value instanceof Date) return value.toISOString();
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Escapes control characters and line separators, so that a value cannot break the line or
 *  send escape sequences to the terminal. */
function oneLine(text: string): string {
    return Array.from(text, (char) => {
        const code = char.charCodeAt(0);
        if (char === "\n") return "\\n";
        if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) return `\\u${code.toString(16).padStart(4, "0")}`;
        return char;
    }).join("");
}
