// Parses YAML with js-yaml's safe `load` and keeps where every node starts, so that each problem
// can point at a line and column. js-yaml reports each node it composes through its `listener`
// option ("open" before the node, "close" after it); the events nest like the nodes, which gives a
// tree of source spans that is then matched against the loaded value.
import { load, type State } from "js-yaml";

export type PathSegment = string | number;
export type LabPath = readonly PathSegment[];

export interface SourcePosition {
    /** 1-based line. */
    readonly line: number;
    /** 1-based column. */
    readonly column: number;
}

export interface LocatedNode {
    /** Where the value starts; for an empty value, where its key starts. */
    readonly position: SourcePosition;
    /** Where the key of this value starts, when the value sits in a mapping. */
    readonly keyPosition?: SourcePosition;
    /** The source text of a plain (unquoted) scalar, as written. */
    readonly plainText?: string;
    readonly entries?: ReadonlyMap<string, LocatedNode>;
    readonly items?: readonly (LocatedNode | undefined)[];
}

export interface ParsedYaml {
    readonly value: unknown;
    readonly root: LocatedNode;
}

interface NodeEvent {
    readonly openedAt: number;
    start: number;
    end: number;
    kind: string | null;
    result: unknown;
    readonly children: NodeEvent[];
}

const notPlainStart = new Set(["'", '"', "|", ">", "*", "&", "!", "[", "{"]);

/** Parses one YAML document; throws js-yaml's YAMLException on a syntax error. */
export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
    const holder: NodeEvent = { openedAt: 0, start: 0, end: 0, kind: null, result: null, children: [] };
    const open: NodeEvent[] = [holder];
    const containers = new Map<object, NodeEvent>();
    let input = text;
    const value = load(text, {
        filename: file,
        listener(event: "open" | "close", state: State) {
            input = state.input;
            if (event === "open") {
                open.push({ openedAt: state.position, start: 0, end: 0, kind: null, result: null, children: [] });
                return;
            }
            const node = open.pop() as NodeEvent;
            node.end = state.position;
            node.kind = state.kind;
            node.result = state.result;
            node.start = skipSeparation(input, node.openedAt);
            const result = state.result as unknown;
            if (typeof result === "object" && result !== null && !containers.has(result)) {
                containers.set(result, node);
            }
            open[open.length - 1].children.push(node);
        },
    });
    const lines = lineStarts(input);
    const rootEvent = holder.children[0];
    const builder = new LocatedNodeBuilder(input, lines, containers);
    // An empty document (nothing but comments, say) is located at its start.
    const root = rootEvent && rootEvent.end > rootEvent.start ? builder.build(rootEvent, undefined) : { position: { line: 1, column: 1 } };
    return { value, root };
}

/** The node at `path`, or undefined when the source has no such node (a default, say). */
export function nodeAt(root: LocatedNode, path: LabPath): LocatedNode | undefined {
    let node: LocatedNode | undefined = root;
    for (const segment of path) {
        node = typeof segment === "number" ? node?.items?.[segment] : node?.entries?.get(segment);
        if (!node) return undefined;
    }
    return node;
}

/** Where `path` is written, or where its nearest written ancestor is. */
export function positionOf(root: LocatedNode, path: LabPath, part: "key" | "value" = "value"): SourcePosition {
    for (let length = path.length; length >= 0; length--) {
        const node = nodeAt(root, path.slice(0, length));
        if (node) return (part === "key" || length < path.length ? node.keyPosition : undefined) ?? node.position;
    }
    return root.position;
}

class LocatedNodeBuilder {
    constructor(
        private readonly input: string,
        private readonly lines: readonly number[],
        private readonly containers: ReadonlyMap<object, NodeEvent>,
    ) {}

    build(event: NodeEvent, keyPosition: SourcePosition | undefined): LocatedNode {
        const empty = event.end <= event.start;
        const position = (empty ? keyPosition : undefined) ?? this.position(event.start);
        const value = event.result;
        if (Array.isArray(value)) return { position, keyPosition, items: this.items(this.contents(event), value) };
        if (typeof value === "object" && value !== null) {
            return { position, keyPosition, entries: this.entries(this.contents(event), value as Record<string, unknown>) };
        }
        const plainText = event.kind === "scalar" && !empty ? this.plainText(event) : undefined;
        return { position, keyPosition, plainText };
    }

    /** The event holding a collection's entries. js-yaml composes a flow collection in a block
     *  sequence as the would-be key of a block mapping, nesting one event in another; an alias
     *  borrows the entries of the node it refers to. */
    private contents(event: NodeEvent): NodeEvent {
        let holder = event;
        while (holder.children.length === 1 && holder.children[0].result === holder.result) holder = holder.children[0];
        const anchored = this.containers.get(holder.result as object);
        return holder.kind === "mapping" || holder.kind === "sequence" || !anchored ? holder : anchored;
    }

    private entries(event: NodeEvent, mapping: Record<string, unknown>): Map<string, LocatedNode> {
        const entries = new Map<string, LocatedNode>();
        const merged: LocatedNode[] = [];
        const children = event.children;
        for (let index = 0; index < children.length; index++) {
            const keyEvent = children[index];
            if (keyEvent.end <= keyEvent.start) break; // js-yaml's probe for a further key found none
            const key = String(keyEvent.result);
            const keyPosition = this.position(keyEvent.start);
            const valueEvent = children[index + 1];
            const paired = valueEvent !== undefined && (key === "<<" || mapping[key] === valueEvent.result);
            if (paired) index++;
            if (key === "<<" && paired) {
                merged.push(this.build(valueEvent, keyPosition));
                continue;
            }
            entries.set(key, paired ? this.build(valueEvent, keyPosition) : { position: keyPosition, keyPosition });
        }
        // Keys brought in by a merge key (`<<: *defaults`) are located where the merged mapping writes them.
        for (const source of merged.flatMap((node) => (node.items ? node.items : [node]))) {
            for (const [key, node] of source?.entries ?? []) if (!entries.has(key)) entries.set(key, node);
        }
        return entries;
    }

    private items(event: NodeEvent, sequence: readonly unknown[]): (LocatedNode | undefined)[] {
        const items: (LocatedNode | undefined)[] = [];
        let next = 0;
        for (const item of sequence) {
            // An empty `-` entry has no event of its own, hence the search rather than a zip.
            const found = event.children.findIndex((child, index) => index >= next && child.result === item);
            items.push(found >= 0 ? this.build(event.children[found], undefined) : undefined);
            if (found >= 0) next = found + 1;
        }
        return items;
    }

    private plainText(event: NodeEvent): string | undefined {
        const raw = this.input.slice(event.start, event.end);
        if (notPlainStart.has(raw.charAt(0))) return undefined;
        return raw.split(/\r?\n| #/, 1)[0].trim();
    }

    private position(offset: number): SourcePosition {
        let low = 0;
        let high = this.lines.length - 1;
        while (low < high) {
            const middle = (low + high + 1) >> 1;
            if (this.lines[middle] <= offset) low = middle;
            else high = middle - 1;
        }
        return { line: low + 1, column: offset - this.lines[low] + 1 };
    }
}

/** Skips what js-yaml skips before a node: blanks, line breaks and comments. */
function skipSeparation(input: string, offset: number): number {
    let at = offset;
    while (at < input.length) {
        const char = input[at];
        if (char === " " || char === "\t" || char === "\n" || char === "\r") at++;
        else if (char === "#") while (at < input.length && input[at] !== "\n") at++;
        else break;
    }
    return at;
}

function lineStarts(input: string): number[] {
    const starts = [0];
    for (let index = 0; index < input.length; index++) if (input[index] === "\n") starts.push(index + 1);
    return starts;
}
