// Parses YAML with js-yaml's safe `load` and keeps where every node starts, so that each problem
// can point at a line and column. js-yaml reports each node it composes through its `listener`
// option ("open" before the node, "close" after it); the events nest like the nodes, which gives a
// tree of source spans that is then matched against the loaded value.
//
// js-yaml hands an alias back as a reference to the anchored value, so the value itself stays
// small; whatever walks it later (the schema check) would still visit an anchored node once per
// alias. Like the YAML reader of Pulumi's CLI ("document contains excessive aliasing"), a document
// whose aliases expand it beyond reason is refused before anything walks it.
import { load, YAMLException, type State } from "js-yaml";

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

/** Why a YAML text cannot be used, and where. */
export type YamlRefusal = "syntax" | "duplicate-key" | "multiple-documents" | "excessive-aliasing" | "too-many-nodes";

/** A YAML text that is refused, with the place to show (js-yaml's own errors lack one now and then). */
export class YamlSourceError extends Error {
    constructor(
        readonly refusal: YamlRefusal,
        readonly reason: string,
        readonly position: SourcePosition,
        options?: { cause?: unknown },
    ) {
        super(`${reason} at ${position.line}:${position.column}`, options);
        this.name = "YamlSourceError";
    }
}

/** Nodes that aliases may add to a document, on top of those written. */
export const MAX_ALIASED_NODES = 100_000;

/** Nodes a document may have as written (js-yaml reports some twice): a lab has a few hundred, a
 *  stack file a few per config key. The parse stops at the first node beyond, so that time and
 *  memory stay bounded whatever the file. */
export const MAX_YAML_NODES = 100_000;

interface NodeEvent {
    readonly openedAt: number;
    start: number;
    end: number;
    kind: string | null;
    result: unknown;
    readonly children: NodeEvent[];
}

const notPlainStart = new Set(["'", '"', "|", ">", "*", "&", "!", "[", "{"]);

/** Parses one YAML document; throws YamlSourceError for anything that is not one usable document. */
export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
    const holder: NodeEvent = { openedAt: 0, start: 0, end: 0, kind: null, result: null, children: [] };
    const open: NodeEvent[] = [holder];
    const containers = new Map<object, NodeEvent>();
    let input = text;
    let value: unknown;
    let nodes = 0;
    try {
        value = load(text, {
            filename: file,
            listener(event: "open" | "close", state: State) {
                input = state.input;
                if (event === "open") {
                    if (++nodes > MAX_YAML_NODES) throw tooManyNodes(input, state.position);
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
    } catch (error) {
        if (!(error instanceof YAMLException)) throw error;
        // js-yaml counts offsets in its own copy of the text, without a byte-order mark.
        throw yamlSourceError(error, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, holder);
    }
    const lines = lineStarts(input);
    const rootEvent = holder.children[0];
    const builder = new LocatedNodeBuilder(input, lines, containers);
    if (rootEvent) {
        const aliasing = builder.aliasing(rootEvent);
        if (aliasing) throw new YamlSourceError("excessive-aliasing", aliasing.reason, builder.position(aliasing.at));
    }
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

interface Expansion {
    /** Nodes of the document with every alias replaced by what it refers to. */
    readonly nodes: number;
    /** Of those, the nodes reached through an alias. */
    readonly aliased: number;
}

class LocatedNodeBuilder {
    /** A collection's located entries or items, built once however many aliases refer to it. */
    private readonly built = new Map<NodeEvent, Pick<LocatedNode, "entries" | "items">>();
    private readonly expansions = new Map<NodeEvent, Expansion>();

    constructor(
        private readonly input: string,
        private readonly lines: readonly number[],
        private readonly containers: ReadonlyMap<object, NodeEvent>,
    ) {}

    build(event: NodeEvent, keyPosition: SourcePosition | undefined): LocatedNode {
        const empty = event.end <= event.start;
        const position = (empty ? keyPosition : undefined) ?? this.position(event.start);
        const value = event.result;
        if (typeof value === "object" && value !== null) return { position, keyPosition, ...this.collection(this.contents(event), value) };
        const plainText = event.kind === "scalar" && !empty ? this.plainText(event) : undefined;
        return { position, keyPosition, plainText };
    }

    /**
     * Why the document's aliases expand it too far, and the alias that expands it most; undefined
     * when they do not. The counts follow the YAML reader of Pulumi's CLI (go-yaml v3): every node
     * decoded, and those decoded through an alias, whose share may not exceed 99% of a small
     * document down to 10% of one of four million nodes. Beyond that, aliases may add at most
     * MAX_ALIASED_NODES nodes, since the schema check visits every one of them.
     */
    aliasing(root: NodeEvent): { reason: string; at: number } | undefined {
        const total = this.expansion(root);
        const excessive = total.aliased > MAX_ALIASED_NODES || (total.aliased > 100 && total.nodes > 1000 && total.aliased / total.nodes > allowedAliasRatio(total.nodes));
        if (!excessive) return undefined;
        let largest: { at: number; nodes: number } = { at: root.start, nodes: -1 };
        const visit = (event: NodeEvent) => {
            if (this.isAlias(event)) {
                const nodes = this.expansion(event).nodes;
                if (nodes > largest.nodes) largest = { at: event.start, nodes };
                return;
            }
            event.children.forEach(visit);
        };
        visit(root);
        const count = (value: number) => (Number.isFinite(value) && value < 1e15 ? String(Math.round(value)) : value.toExponential(1));
        const alias = this.input.slice(largest.at, largest.at + 200).split(/[\s,\]}]/, 1)[0];
        return {
            reason: `excessive aliasing: aliases expand the document to ${count(total.nodes)} nodes, ${count(total.aliased)} of them through aliases (${alias} alone ${count(largest.nodes)})`,
            at: largest.at,
        };
    }

    private isAlias(event: NodeEvent): boolean {
        return this.input.charCodeAt(event.start) === 0x2a; // `*name`: no other node starts with `*`
    }

    /** How many nodes `event` stands for once its aliases are expanded; each anchored node is counted once. */
    private expansion(event: NodeEvent): Expansion {
        const known = this.expansions.get(event);
        if (known) return known;
        const contents = this.contents(event);
        let result: Expansion;
        if (this.isAlias(event)) {
            const target = contents === event ? { nodes: 1, aliased: 0 } : this.expansion(contents);
            result = { nodes: 1 + target.nodes, aliased: target.nodes };
        } else {
            let nodes = 1;
            let aliased = 0;
            for (const child of contents.children) {
                const inner = this.expansion(child);
                nodes += inner.nodes;
                aliased += inner.aliased;
            }
            result = { nodes, aliased };
        }
        this.expansions.set(event, result);
        return result;
    }

    /** The event holding a collection's entries. js-yaml composes a flow collection in a block
     *  sequence as the would-be key of a block mapping, nesting one event in another; an alias
     *  borrows the entries of the node it refers to. */
    private contents(event: NodeEvent): NodeEvent {
        let holder = event;
        while (holder.children.length === 1 && holder.children[0].result === holder.result) holder = holder.children[0];
        const anchored = typeof holder.result === "object" && holder.result !== null ? this.containers.get(holder.result) : undefined;
        return holder.kind === "mapping" || holder.kind === "sequence" || !anchored ? holder : anchored;
    }

    private collection(event: NodeEvent, value: object): Pick<LocatedNode, "entries" | "items"> {
        const known = this.built.get(event);
        if (known) return known;
        const built = Array.isArray(value) ? { items: this.items(event, value) } : { entries: this.entries(event, value as Record<string, unknown>) };
        this.built.set(event, built);
        return built;
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

    /** Pairs each item with its event, in order. An empty `-` entry has no event of its own, hence
     *  a search rather than a zip; each value's events are taken in turn, so the pairing is linear. */
    private items(event: NodeEvent, sequence: readonly unknown[]): (LocatedNode | undefined)[] {
        const eventsOf = new Map<unknown, number[]>();
        event.children.forEach((child, index) => {
            const list = eventsOf.get(child.result);
            if (list) list.push(index);
            else eventsOf.set(child.result, [index]);
        });
        const taken = new Map<unknown, number>();
        const items: (LocatedNode | undefined)[] = [];
        let next = 0;
        for (const item of sequence) {
            const candidates = eventsOf.get(item) ?? [];
            let cursor = taken.get(item) ?? 0;
            while (cursor < candidates.length && candidates[cursor] < next) cursor++;
            taken.set(item, cursor);
            const found = cursor < candidates.length ? candidates[cursor] : -1;
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

    position(offset: number): SourcePosition {
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

/** go-yaml v3's allowedAliasRatio: 99% up to 400,000 decoded nodes, falling to 10% at 4,000,000. */
function allowedAliasRatio(nodes: number): number {
    const low = 400_000;
    const high = 4_000_000;
    if (nodes <= low) return 0.99;
    if (nodes >= high) return 0.1;
    return 0.99 - 0.89 * ((nodes - low) / (high - low));
}

/** js-yaml's error as a YamlSourceError with a place: the offset of its mark when it has one (the
 *  mark's own line is stale for some errors, a NUL byte's among them); for a stream of several
 *  documents (which has none), the start of the second document. */
function yamlSourceError(error: YAMLException, input: string, holder: NodeEvent): YamlSourceError {
    const reason = error.reason || error.message;
    if (error.mark) {
        const refusal = reason.startsWith("duplicated mapping key") ? "duplicate-key" : "syntax";
        return new YamlSourceError(refusal, reason, positionIn(input, error.mark.position), { cause: error });
    }
    const multiple = reason.startsWith("expected a single document");
    const second = holder.children[1];
    const offset = multiple && second ? documentStart(input, second.openedAt) : 0;
    return new YamlSourceError(multiple ? "multiple-documents" : "syntax", multiple ? "a second YAML document starts here: a lab or stack file holds one document" : reason, positionIn(input, offset), { cause: error });
}

/** The line and column of `offset` in `input`, counted from 1; an offset past the end (js-yaml
 *  appends a line break) is the end. */
function positionIn(input: string, offset: number): SourcePosition {
    const at = Math.max(0, Math.min(offset, input.length));
    const lines = lineStarts(input.slice(0, at));
    return { line: lines.length, column: at - lines[lines.length - 1] + 1 };
}

function tooManyNodes(input: string, offset: number): YamlSourceError {
    return new YamlSourceError("too-many-nodes", `the document has more than ${MAX_YAML_NODES} nodes; this is the first one beyond`, positionIn(input, offset));
}

/** The `---` marker that opens the document whose first node js-yaml opened at `offset`. */
function documentStart(input: string, offset: number): number {
    const marker = input.lastIndexOf("\n---", offset);
    if (marker >= 0) return marker + 1;
    return input.startsWith("---") ? 0 : offset;
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
