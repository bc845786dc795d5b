// Load stage: parses the YAML with positions and finds the lab in it, either the whole document or,
// in a Pulumi stack file, the value of a key under `config:`.
import { isUtf8 } from "node:buffer";
import { labProblem, type LabProblem, type ProblemCode } from "./errors";
import { fileSite } from "./locate";
import { nodeAt, parseYamlWithPositions, positionOf, YamlSourceError, type LocatedNode, type YamlRefusal } from "./source-map";

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
        if (error instanceof YamlSourceError) return { problems: [yamlProblem(error, file)] };
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

const YAML_REFUSALS: Record<YamlRefusal, { readonly code: ProblemCode; readonly expected: string }> = {
    syntax: { code: "yaml-syntax", expected: "well-formed YAML" },
    "duplicate-key": { code: "yaml-duplicate-key", expected: "each key once per mapping" },
    "multiple-documents": { code: "yaml-multiple-documents", expected: "one YAML document" },
    "too-many-nodes": { code: "yaml-too-many-nodes", expected: "a lab of a few hundred values" },
    "excessive-aliasing": { code: "yaml-excessive-aliasing", expected: "aliases that add a few nodes each, not a document that grows with every alias" },
};

function yamlProblem(error: YamlSourceError, file: string): LabProblem {
    const { code, expected } = YAML_REFUSALS[error.refusal];
    return labProblem(code, fileSite(file, error.position.line, error.position.column), { message: error.reason, expected });
}

/** Lab and stack files are a few kilobytes; anything this large is not one. */
export const MAX_LAB_FILE_BYTES = 10 * 1024 * 1024;

/**
 * The text of a lab or stack file, or the problem that keeps it from being one: too large, or
 * not UTF-8 (which the Pulumi CLI refuses to load, while Node would quietly replace the bytes).
 */
export function decodeLabFile(bytes: Uint8Array, file: string): { readonly text: string } | { readonly problem: LabProblem } {
    if (bytes.length > MAX_LAB_FILE_BYTES) {
        const problem = labProblem("file-too-large", fileSite(file), { message: `the file holds ${bytes.length} bytes`, value: bytes.length, expected: `at most ${MAX_LAB_FILE_BYTES} bytes` });
        return { problem };
    }
    if (isUtf8(bytes)) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8") };
    const offset = firstInvalidUtf8(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
    const line = 1 + bytes.subarray(0, lineStart).reduce((count, byte) => count + (byte === 0x0a ? 1 : 0), 0);
    const column = 1 + Buffer.from(bytes.subarray(lineStart, offset)).toString("utf8").length;
    const seen = Array.from(bytes.subarray(offset, offset + 4), (byte) => byte.toString(16).padStart(2, "0")).join(" ");
    const problem = labProblem("file-not-utf8", fileSite(file, line, column), { message: `byte ${offset} (0x${seen.split(" ")[0]}) is not valid UTF-8`, value: seen, expected: "UTF-8 text" });
    return { problem };
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
 *  no overlong forms, no surrogates, nothing above U+10FFFF), or the length when there is none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
    let at = 0;
    while (at < bytes.length) {
        const lead = bytes[at];
        if (lead < 0x80) {
            at++;
            continue;
        }
        // The allowed range of the second byte depends on the lead byte; the others are 80..BF.
        let length: number;
        let low = 0x80;
        let high = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) length = 2;
        else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead === 0xe0) low = 0xa0;
            if (lead === 0xed) high = 0x9f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            if (lead === 0xf0) low = 0x90;
            if (lead === 0xf4) high = 0x8f;
        } else return at;
        if (at + length > bytes.length) return at;
        if (bytes[at + 1] < low || bytes[at + 1] > high) return at;
        for (let next = 2; next < length; next++) if (bytes[at + next] < 0x80 || bytes[at + next] > 0xbf) return at;
        at += length;
    }
    return at;
}

function hasKey<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key);
}
