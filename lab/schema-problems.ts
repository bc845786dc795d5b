// Translates one ajv error into a LabProblem: a code per kind of schema rule, the value seen, and
// what the schema expected, phrased from the schema itself (its patterns, enums, examples, keys).
import type { ErrorObject } from "ajv";
import { labProblem, showValue, type LabProblem, type ProblemCode } from "./errors";
import type { Locate } from "./locate";
import type { LabPath } from "./source-map";

interface SchemaNode {
    readonly properties?: Record<string, unknown>;
    readonly patternProperties?: Record<string, unknown>;
    readonly examples?: readonly unknown[];
    readonly oneOf?: readonly { readonly required?: readonly string[] }[];
}

const PLACEHOLDER = /\b(?:replace|changeme|change-me|todo|fixme)\b|^<[^>]*>$/i;

export function schemaErrorToProblem(error: ErrorObject, path: LabPath, locate: Locate): LabProblem {
    const schema = (error.parentSchema ?? {}) as SchemaNode;
    const params = error.params as Record<string, unknown>;
    const value: unknown = error.data;
    const problem = (code: ProblemCode, at: LabPath, message: string, expected: string, part: "key" | "value" = "value", seen: unknown = value) =>
        labProblem(code, locate(at, part), { message, value: seen, expected });

    if (error.propertyName !== undefined) {
        const key = error.propertyName;
        return problem("schema-pattern", [...path, key], `${showValue(key)} is not a valid name here`, matching(params.pattern, schema), "key", key);
    }
    switch (error.keyword) {
        case "additionalProperties": {
            const key = String(params.additionalProperty);
            return problem("schema-unknown-key", [...path, key], `unknown key ${showValue(key)}`, allowedKeys(key, schema), "key", key);
        }
        case "required": {
            const key = String(params.missingProperty);
            return problem("schema-required", [...path, key], `missing key ${key}`, `a value for ${key}`, "key", undefined);
        }
        case "type": {
            const message = value === null ? "the value is empty" : `${showValue(value)} is ${kindOf(value)}`;
            return problem("schema-type", path, message, article(String(params.type)));
        }
        case "pattern": {
            const code = typeof value === "string" && PLACEHOLDER.test(value) ? "placeholder-value" : "schema-pattern";
            const message = code === "placeholder-value" ? `${showValue(value)} is a placeholder` : `${showValue(value)} is not allowed here`;
            return problem(code, path, message, matching(params.pattern, schema));
        }
        case "format":
            // ipv4 is the only format the schema uses.
            return problem("schema-format", path, `${showValue(value)} is not an IPv4 address`, "an IPv4 address such as 198.18.0.133");
        case "enum":
            return problem("schema-enum", path, `${showValue(value)} is not an allowed value`, `one of ${(params.allowedValues as unknown[]).map(showValue).join(", ")}`);
        case "minimum":
        case "maximum":
        case "exclusiveMinimum":
        case "exclusiveMaximum":
            return problem("schema-range", path, `${showValue(value)} is out of range`, `a number ${String(params.comparison)} ${String(params.limit)}`);
        case "minItems":
        case "minProperties":
            return problem("schema-size", path, `${count(value)} is too few`, `at least ${String(params.limit)}`, "key");
        case "maxItems":
        case "maxProperties":
            return problem("schema-size", path, `${count(value)} is too many`, `at most ${String(params.limit)}`, "key");
        case "uniqueItems": {
            // ajv names the two equal items i < j; j is the repeat.
            const list = value as unknown[];
            const repeat = Number(params.j);
            return problem("schema-duplicate-item", [...path, repeat], `${showValue(list[repeat])} is listed twice`, `each item once (it is also item ${String(params.i)})`, "value", list[repeat]);
        }
        case "oneOf": {
            const names = (schema.oneOf ?? []).flatMap((branch) => branch.required ?? []);
            const message = params.passingSchemas === null ? `none of ${names.join(", ")} is given` : `more than one of ${names.join(", ")} is given`;
            return problem("schema-one-of", path, message, `exactly one of ${names.join(", ")}`, "key");
        }
        default:
            return problem("schema-type", path, `${showValue(value)} ${error.message ?? "is not valid"}`, `a value the schema accepts (${error.schemaPath})`);
    }
}

function matching(pattern: unknown, schema: SchemaNode): string {
    const example = schema.examples?.[0];
    return `a value matching ${String(pattern)}${example === undefined ? "" : `, such as ${showValue(example)}`}`;
}

function allowedKeys(key: string, schema: SchemaNode): string {
    const names = Object.keys(schema.properties ?? {});
    if (names.length === 0) return `a name matching ${Object.keys(schema.patternProperties ?? {}).join(" or ")}`;
    const closest = names.map((name) => ({ name, distance: editDistance(key, name) })).sort((a, b) => a.distance - b.distance)[0];
    const suggestion = closest && closest.distance <= Math.max(2, key.length / 3) ? `; did you mean ${closest.name}?` : "";
    return `one of ${names.join(", ")}${suggestion}`;
}

function kindOf(value: unknown): string {
    if (value === null || value === undefined) return "empty";
    if (Array.isArray(value)) return "a list";
    if (value instanceof Date) return "a date";
    if (typeof value === "object") return "a mapping";
    return article(typeof value);
}

function article(type: string): string {
    const names: Record<string, string> = { object: "a mapping", array: "a list", integer: "an integer" };
    return type
        .split(",")
        .map((name) => names[name] ?? `a ${name}`)
        .join(" or ");
}

function count(value: unknown): string {
    const size = Array.isArray(value) ? value.length : Object.keys(value ?? {}).length;
    return `${size} ${size === 1 ? "entry" : "entries"}`;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}
