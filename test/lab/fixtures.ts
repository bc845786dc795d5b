// Shared helpers for the lab tests: where the fixtures are, how a fixture declares the problems it
// expects (`# expect: CODE at LINE:COLUMN [PATH]`), and a deep check of frozenness.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LabProblem } from "../../lab";

export const LABS_DIR = join(__dirname, "..", "fixtures", "labs");
export const BAD_DIR = join(LABS_DIR, "bad");
export const GOOD_DIR = join(LABS_DIR, "good");
export const STACKS_DIR = join(__dirname, "..", "..", "stacks");

export function yamlFilesIn(dir: string): string[] {
    return readdirSync(dir)
        .filter((name) => name.endsWith(".yaml"))
        .sort();
}

export function readFixture(dir: string, name: string): string {
    return readFileSync(join(dir, name), "utf8");
}

/** `code line:column path`, the identity of a problem for the tests (never its message). */
export function placeOf(problem: Pick<LabProblem, "code" | "line" | "column" | "path">): string {
    return `${problem.code} ${problem.line}:${problem.column} ${problem.path}`.trimEnd();
}

/** The problems a fixture declares in its `# expect:` lines, as placeOf strings. */
export function declaredPlaces(text: string): string[] {
    return [...text.matchAll(/^# expect: (\S+) at (\d+):(\d+)(?: (.+))?$/gm)].map(([, code, line, column, path]) =>
        placeOf({ code: code as LabProblem["code"], line: Number(line), column: Number(column), path: path ?? "" }),
    );
}

export function sorted(values: readonly string[]): string[] {
    return [...values].sort();
}

/** Paths of every object or array reachable from `value` that is not frozen. */
export function unfrozenPaths(value: unknown, path = "spec"): string[] {
    if (typeof value !== "object" || value === null) return [];
    const own = Object.isFrozen(value) ? [] : [path];
    return [...own, ...Object.entries(value).flatMap(([key, child]) => unfrozenPaths(child, `${path}.${key}`))];
}

/** A LabProblem is plain data with every field of the right type. */
export function isWellFormedProblem(problem: LabProblem): boolean {
    const strings = [problem.code, problem.file, problem.path, problem.message, problem.expected, problem.hint];
    return (
        Object.getPrototypeOf(problem) === Object.prototype &&
        strings.every((field) => typeof field === "string") &&
        (problem.severity === "error" || problem.severity === "warning") &&
        Number.isInteger(problem.line) &&
        problem.line >= 1 &&
        Number.isInteger(problem.column) &&
        problem.column >= 1 &&
        problem.hint.length > 0
    );
}
