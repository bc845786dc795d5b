// The lab pipeline: load (YAML with positions) -> schema (ajv) -> normalise (defaults, frozen)
// -> semantic checks. The checks see the defaults-filled lab, so that a default that cannot work
// (derived endpoints beyond the default limits, say) is caught; the spec is handed out only when
// no error was found.
import { readFileSync } from "node:fs";
import { runChecks } from "./checks";
import { isError, LabError, labProblem, type LabProblem } from "./errors";
import { decodeLabFile, DEFAULT_STACK_KEY, loadLabSource } from "./load";
import { fileSite, makeLocator } from "./locate";
import { normaliseLab } from "./normalise";
import { checkAgainstSchema } from "./schema-check";
import type { LabSpec } from "./types";

export interface LabValidation {
    /** The normalised, deeply frozen lab; absent when any problem is an error. */
    readonly spec?: LabSpec;
    /** Every problem found, errors and warnings, in source order. */
    readonly problems: readonly LabProblem[];
}

export interface LoadedLab {
    readonly spec: LabSpec;
    /** Problems of severity `warning`; the lab is usable but the author should look. */
    readonly warnings: readonly LabProblem[];
}

export interface ValidateOptions {
    /** Read the lab from this key under `config:` of a Pulumi stack file. Without it, a document
     *  with a top-level `config:` key is read as a stack file holding the lab under `mptcp-lab:lab`. */
    readonly key?: string;
}

/** Validates a lab given as text; never throws for bad input, however bad. */
export function validateLabText(text: string, file: string, options: ValidateOptions = {}): LabValidation {
    const loaded = loadLabSource(text, file, options.key);
    if (!loaded.source) return { problems: loaded.problems };
    const locate = makeLocator(file, loaded.source.root);
    const schema = checkAgainstSchema(loaded.source.data, loaded.source.root, locate);
    if (!schema.document) return { problems: inSourceOrder(schema.problems) };
    const spec = normaliseLab(schema.document);
    const problems = inSourceOrder([...schema.problems, ...runChecks(spec, locate)]);
    return problems.some(isError) ? { problems } : { spec, problems };
}

/** Loads a lab file (or a stack file, recognised by its top-level `config:`); throws LabError. */
export function loadLabFile(path: string): LoadedLab {
    return usableLab(validateLabBytes(readLabFile(path), path));
}

/** Validates a lab file's bytes: refused unless they are UTF-8 of a sensible size, then as text. */
export function validateLabBytes(bytes: Uint8Array, file: string, options: ValidateOptions = {}): LabValidation {
    const decoded = decodeLabFile(bytes, file);
    return "problem" in decoded ? { problems: [decoded.problem] } : validateLabText(decoded.text, file, options);
}

/** Loads the lab embedded in a Pulumi stack file under `config.<key>`; throws LabError. Line
 *  numbers in problems point into the stack file. */
export function loadLabFromStackFile(stackFilePath: string, key: string = DEFAULT_STACK_KEY): LoadedLab {
    return usableLab(validateLabBytes(readLabFile(stackFilePath), stackFilePath, { key }));
}

/** Reads a file, turning a failure into a LabError that keeps the cause. */
function readLabFile(path: string): Buffer {
    try {
        return readFileSync(path);
    } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        const problem = labProblem("file-unreadable", fileSite(path), { message: reason, expected: "a readable YAML file" });
        throw new LabError([problem], { cause });
    }
}

function usableLab(validation: LabValidation): LoadedLab {
    if (!validation.spec) throw new LabError(validation.problems);
    return { spec: validation.spec, warnings: validation.problems.filter((problem) => !isError(problem)) };
}

function inSourceOrder(problems: readonly LabProblem[]): LabProblem[] {
    return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
