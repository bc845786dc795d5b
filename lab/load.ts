// Load stage: parses the YAML with positions and finds the lab in it, either the whole document or,
// in a Pulumi stack file, the value of a key under `config:`.
import { YAMLException } from "js-yaml";
import { labProblem, type LabProblem } from "./errors";
import { fileSite } from "./locate";
import { nodeAt, parseYamlWithPositions, positionOf, type LocatedNode } from "./source-map";

export const DEFAULT_STACK_KEY = "mptcp-lab:lab";

export interface LabSource {
    /** The lab as loaded, not yet checked. */
    readonly data: unknown;
    /** Source positions of the lab's nodes (inside the stack file, for an embedded lab). */
    readonly root: LocatedNode;
}

export interface LoadStageResult {
    readonly source?: LabSource;
    readonly problems: readonly LabProblem[];
}

/**
 * Finds the lab in `text`. With `stackKey`, the text is a stack file holding the lab under
 * `config.<stackKey>`; without, a document with a top-level `config` key is taken as a stack file
 * holding it under the default key, and any other document as a lab of its own.
 */
export function loadLabSource(text: string, file: string, stackKey?: string): LoadStageResult {
    let parsed;
    try {
        parsed = parseYamlWithPositions(text, file);
    } catch (error) {
        if (error instanceof YAMLException) return { problems: [yamlProblem(error, file)] };
        throw error;
    }
    const isStack = stackKey !== undefined || hasKey(parsed.value, "config");
    if (!isStack) return { source: { data: parsed.value ?? null, root: parsed.root }, problems: [] };

    const key = stackKey ?? DEFAULT_STACK_KEY;
    const config = hasKey(parsed.value, "config") ? parsed.value.config : undefined;
    const labNode = nodeAt(parsed.root, ["config", key]);
    if (!hasKey(config, key) || !labNode) {
        const where = positionOf(parsed.root, ["config"], "key");
        const problem = labProblem("stack-lab-missing", fileSite(file, where.line, where.column), { message: `the stack file has no config.${key}`, expected: `the lab under config: as ${key}:` });
        return { problems: [problem] };
    }
    return { source: { data: config[key] ?? null, root: labNode }, problems: [] };
}

function yamlProblem(error: YAMLException, file: string): LabProblem {
    const site = fileSite(file, error.mark.line + 1, error.mark.column + 1);
    const duplicateKey = error.reason.startsWith("duplicated mapping key");
    return labProblem(duplicateKey ? "yaml-duplicate-key" : "yaml-syntax", site, {
        message: error.reason,
        expected: duplicateKey ? "each key once per mapping" : "well-formed YAML",
    });
}

function hasKey<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key);
}
