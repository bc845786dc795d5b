// Writes docs/lab-reference.md from lab/schema.json: a table per object of the lab format
// (property, type, default, description). Run after changing the schema:
//   node -r ts-node/register/transpile-only scripts/generate-lab-reference.ts
// test/scripts/generate-lab-reference.test.ts fails while the committed reference is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import labSchema from "../lab/schema.json";

export interface SchemaNode {
    readonly $ref?: string;
    readonly description?: string;
    readonly type?: string | readonly string[];
    readonly properties?: Readonly<Record<string, SchemaNode>>;
    readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
    readonly propertyNames?: SchemaNode;
    readonly items?: SchemaNode;
    readonly required?: readonly string[];
    readonly enum?: readonly unknown[];
    readonly default?: unknown;
    readonly pattern?: string;
    readonly format?: string;
    readonly minimum?: number;
    readonly maximum?: number;
    readonly exclusiveMinimum?: number;
    readonly examples?: readonly unknown[];
    readonly definitions?: Readonly<Record<string, SchemaNode>>;
}

export const LAB_REFERENCE_PATH = join(__dirname, "..", "docs", "lab-reference.md");

export function renderLabReference(schema: SchemaNode): string {
    const renderer = new ReferenceRenderer(schema);
    const lines = [
        "# Lab reference",
        "",
        "<!-- Generated from lab/schema.json by scripts/generate-lab-reference.ts: edit the schema, not this file. -->",
        "",
        "Lab files may start with `# yaml-language-server: $schema=<path to lab/schema.json>` for completion",
        "in editors; stack files with `# yaml-language-server: $schema=<path to lab/stack-file.schema.json>`.",
        "",
        ...renderer.sections(schema, "lab"),
    ];
    return `${lines.join("\n").trimEnd()}\n`;
}

class ReferenceRenderer {
    constructor(private readonly root: SchemaNode) {}

    /** A section for this object, then one for every object inside it, depth first. */
    sections(node: SchemaNode, path: string): string[] {
        const object = this.resolve(node);
        if (!object.properties) return [];
        const lines = [`## \`${path}\``, "", object.description ?? "", ""];
        const mapKeys = Object.keys(object.patternProperties ?? {});
        if (mapKeys.length > 0) lines.push(`Also keys matching ${mapKeys.map(code).join(" or ")}: ${this.describeMapValues(object)}`, "");
        lines.push("| Property | Type | Default | Description |", "| --- | --- | --- | --- |");
        const nested: string[] = [];
        for (const [name, child] of Object.entries(object.properties)) {
            const resolved = this.resolve(child);
            const required = object.required?.includes(name) ? " (required)" : "";
            const defaultText = resolved.default === undefined ? "" : code(JSON.stringify(resolved.default));
            lines.push(`| ${code(name)}${required} | ${this.typeOf(resolved)} | ${defaultText} | ${cell(this.details(resolved))} |`);
            nested.push(...this.nestedSections(resolved, `${path === "lab" ? "" : `${path}.`}${name}`));
        }
        return [...lines, "", ...nested];
    }

    private nestedSections(node: SchemaNode, path: string): string[] {
        if (node.properties) return this.sections(node, path);
        if (node.items) return this.sections(node.items, `${path}[]`);
        const mapped = Object.values(node.patternProperties ?? {})[0];
        return mapped ? this.sections(mapped, `${path}.<${keyLabel(node)}>`) : [];
    }

    private describeMapValues(node: SchemaNode): string {
        return Object.values(node.patternProperties ?? {})
            .map((value) => this.resolve(value).description ?? "")
            .join(" ");
    }

    private typeOf(node: SchemaNode): string {
        if (node.enum) return `one of ${node.enum.map((value) => code(String(value))).join(", ")}`;
        if (node.format === "ipv4") return "IPv4 address";
        if (node.items) return `list of ${this.typeOf(this.resolve(node.items))}`;
        if (node.patternProperties) {
            const value = this.resolve(Object.values(node.patternProperties)[0]);
            return `map of ${keyLabel(node)} name to ${value.properties ? "mapping" : this.typeOf(value)}`;
        }
        const type = Array.isArray(node.type) ? node.type.join(" or ") : String(node.type ?? "any");
        if (type === "object") return node.properties ? "mapping" : "any";
        const bounds = [
            node.minimum !== undefined ? `>= ${node.minimum}` : node.exclusiveMinimum !== undefined ? `> ${node.exclusiveMinimum}` : "",
            node.maximum !== undefined ? `<= ${node.maximum}` : "",
        ].filter((bound) => bound !== "");
        return bounds.length > 0 ? `${type} (${bounds.join(", ")})` : type;
    }

    private details(node: SchemaNode): string {
        const parts = [node.description ?? ""];
        if (node.pattern) parts.push(`Pattern: ${code(node.pattern)}.`);
        if (node.examples && node.examples.length > 0) parts.push(`Example: ${node.examples.map((value) => code(String(value))).join(", ")}.`);
        return parts.join(" ");
    }

    /** Follows a `$ref` into the definitions; the referring node's own keywords win. */
    resolve(node: SchemaNode): SchemaNode {
        if (!node.$ref) return node;
        const name = node.$ref.replace("#/definitions/", "");
        const target = this.resolve(this.root.definitions?.[name] ?? {});
        return { ...target, ...node, $ref: undefined };
    }
}

/** What the keys of a map name, from the definition its `propertyNames` refers to. */
function keyLabel(node: SchemaNode): string {
    const definition = node.propertyNames?.$ref?.split("/").pop() ?? "";
    return ({ interfaceName: "interface", hostName: "host" } as Record<string, string>)[definition] ?? "key";
}

function code(text: string): string {
    return `\`${text}\``;
}

/** Table cells cannot hold line breaks or bare pipes. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

if (require.main === module) {
    writeFileSync(LAB_REFERENCE_PATH, renderLabReference(labSchema as SchemaNode));
    process.stdout.write(`wrote ${LAB_REFERENCE_PATH}\n`);
}
