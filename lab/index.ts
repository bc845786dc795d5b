// The lab model's public API: load, validate and format. Plain TypeScript, no Pulumi.
export { formatProblem, LabError, PROBLEM_CODES } from "./errors";
export type { LabProblem, ProblemCode, Severity } from "./errors";
export { DEFAULT_STACK_KEY } from "./load";
export { loadLabFile, loadLabFromStackFile, validateLabText } from "./pipeline";
export type { LabValidation, LoadedLab, ValidateOptions } from "./pipeline";
export type * from "./types";
