// Schema stage: checks the loaded YAML against lab/schema.json with ajv and turns each ajv error
// into a LabProblem located in the source. A plain scalar that YAML read as a number where the
// schema wants a string (`tag: 3.20`) is taken as written ("3.20", not 3.2), with a warning.
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import labSchema from "./schema.json";
import type { LabDocument } from "./document";
import { labProblem, type LabProblem } from "./errors";
import type { Locate } from "./locate";
import { nodeAt, type LabPath, type LocatedNode, type PathSegment } from "./source-map";
import { schemaErrorToProblem } from "./schema-problems";

let compiledValidator: ValidateFunction | undefined;

/** The lab schema, compiled on first use and then reused. */
export function labValidator(): ValidateFunction {
    if (!compiledValidator) {
        const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
        addFormats(ajv, ["ipv4"]);
        compiledValidator = ajv.compile(labSchema);
    }
    return compiledValidator;
}

export interface SchemaStageResult {
    /** The lab, when it satisfies the schema. */
    readonly document?: LabDocument;
    readonly problems: readonly LabProblem[];
}

export function checkAgainstSchema(data: unknown, root: LocatedNode, locate: Locate): SchemaStageResult {
    const validate = labValidator();
    if (validate(data)) return { document: data as LabDocument, problems: [] };

    const firstErrors = validate.errors ?? [];
    const recovered = recoverUnquotedNumbers(data, firstErrors, root);
    // Only a lab with numbers read back as strings can have changed since the first pass.
    const valid = recovered.strings.length > 0 && validate(recovered.data);
    const errors = valid ? [] : recovered.strings.length > 0 ? (validate.errors ?? []) : firstErrors;
    const problems = errorsToProblems(errors, recovered.data, locate);
    const failedPaths = new Set(problems.map((problem) => problem.path));
    const warnings = recovered.strings
        .map(({ path, written }) => ({ site: locate(path), written }))
        .filter(({ site }) => !failedPaths.has(site.path))
        .map(({ site, written }) =>
            labProblem("unquoted-number", site, { message: `${written} is a number in YAML; read as the string written`, value: written, expected: "a quoted string" }),
        );
    return { document: valid ? (recovered.data as LabDocument) : undefined, problems: [...warnings, ...problems] };
}

function recoverUnquotedNumbers(data: unknown, errors: readonly ErrorObject[], root: LocatedNode) {
    const copy: unknown = structuredClone(data);
    const strings: { readonly path: LabPath; readonly written: string }[] = [];
    for (const error of errors) {
        if (error.keyword !== "type" || error.params.type !== "string" || typeof error.data !== "number") continue;
        const path = instancePathToLabPath(error.instancePath, data);
        const written = nodeAt(root, path)?.plainText;
        if (written === undefined || path.length === 0) continue;
        setAt(copy, path, written);
        strings.push({ path, written });
    }
    return { data: copy, strings };
}

function errorsToProblems(errors: readonly ErrorObject[], data: unknown, locate: Locate): LabProblem[] {
    // ajv reports a bad key twice (propertyNames and additionalProperties); the first says why.
    const badKeys = new Set(errors.filter((error) => error.propertyName !== undefined).map((error) => `${error.instancePath}/${error.propertyName}`));
    const oneOfPaths = errors.filter((error) => error.keyword === "oneOf").map((error) => `${error.schemaPath}/`);
    // A value of the wrong type also fails its enum or pattern; the type error says enough.
    const mistyped = new Set(errors.filter((error) => error.keyword === "type").map((error) => error.instancePath));
    const problems: LabProblem[] = [];
    for (const error of errors) {
        if (error.keyword === "propertyNames") continue;
        if (error.keyword !== "type" && mistyped.has(error.instancePath)) continue;
        if (oneOfPaths.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
        const additional = error.keyword === "additionalProperties" ? String(error.params.additionalProperty) : undefined;
        if (additional !== undefined && badKeys.has(`${error.instancePath}/${additional}`)) continue;
        problems.push(schemaErrorToProblem(error, instancePathToLabPath(error.instancePath, data), locate));
    }
    return problems;
}

/** `/hosts/client/endpoints/0` -> ["hosts", "client", "endpoints", 0], numbers only for list indexes. */
export function instancePathToLabPath(pointer: string, data: unknown): LabPath {
    if (pointer === "") return [];
    const path: PathSegment[] = [];
    let current: unknown = data;
    for (const raw of pointer.slice(1).split("/")) {
        const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        const segment = Array.isArray(current) ? Number(token) : token;
        path.push(segment);
        current = typeof current === "object" && current !== null ? (current as Record<PathSegment, unknown>)[segment] : undefined;
    }
    return path;
}

function setAt(data: unknown, path: LabPath, value: unknown): void {
    let parent = data as Record<PathSegment, unknown>;
    for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<PathSegment, unknown>;
    parent[path[path.length - 1]] = value;
}
