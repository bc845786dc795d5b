import test from "ava";
import { YAMLException } from "js-yaml";
import { MAX_ALIASED_NODES, MAX_YAML_NODES, nodeAt, parseYamlWithPositions, positionOf, YamlSourceError, type LabPath } from "../../lab/source-map";

const SAMPLE = `# a comment before anything
name: sample   # a trailing comment
x-defaults: &defaults
  port: 22
  user: pi
hosts:
  client:
    <<: *defaults
    user: alice
    empty:
    flow: { a: 1, b, c: [x, 'y', 3.20] }
    list:
      -
      - plain
      - - 1
        - 2
      - {k: v}
    quoted: "3.21"
    block: |
      text
`;

const parsed = parseYamlWithPositions(SAMPLE, "sample.yaml");

const locatesAt = test.macro({
    exec(t, path: LabPath, part: "key" | "value", expected: string) {
        const { line, column } = positionOf(parsed.root, path, part);
        t.is(`${line}:${column}`, expected);
    },
    title: (_, path: LabPath, part: "key" | "value", expected: string) => `the ${part} of ${JSON.stringify(path)} is located at ${expected}`,
});

test(locatesAt, ["name"], "value", "2:7");
test(locatesAt, ["name"], "key", "2:1");
test(locatesAt, ["hosts", "client", "port"], "value", "4:9");
test(locatesAt, ["hosts", "client", "user"], "value", "9:11");
test(locatesAt, ["hosts", "client", "empty"], "value", "10:5");
test(locatesAt, ["hosts", "client", "flow", "a"], "value", "11:16");
test(locatesAt, ["hosts", "client", "flow", "b"], "key", "11:19");
test(locatesAt, ["hosts", "client", "flow", "c", 2], "value", "11:34");
test(locatesAt, ["hosts", "client", "list", 1], "value", "14:9");
test(locatesAt, ["hosts", "client", "list", 2, 1], "value", "16:11");
test(locatesAt, ["hosts", "client", "list", 3, "k"], "value", "17:13");
test(locatesAt, ["hosts", "client", "block"], "value", "19:12");
test(locatesAt, ["hosts", "client", "missing", "deeper"], "value", "7:3");
test(locatesAt, ["hosts", "client", "list", 0], "value", "12:5");
test(locatesAt, [], "value", "2:1");

const keepsText = test.macro({
    exec(t, path: LabPath, expected: string | undefined) {
        t.is(nodeAt(parsed.root, path)?.plainText, expected);
    },
    title: (_, path: LabPath, expected: string | undefined) => `the written text of ${JSON.stringify(path)} is ${expected === undefined ? "not kept" : JSON.stringify(expected)}`,
});

test(keepsText, ["hosts", "client", "flow", "c", 2], "3.20");
test(keepsText, ["name"], "sample");
test(keepsText, ["hosts", "client", "quoted"], undefined);
test(keepsText, ["hosts", "client", "block"], undefined);

test("the loaded value is js-yaml's, merge keys applied", (t) => {
    t.like(parsed.value, { name: "sample", hosts: { client: { port: 22, user: "alice", empty: null, flow: { a: 1, b: null, c: ["x", "y", 3.2] } } } });
});

test("a document of comments only is located at its start", (t) => {
    const { root, value } = parseYamlWithPositions("# nothing\n# here\n", "empty.yaml");
    t.is(value ?? null, null);
    t.deepEqual(root.position, { line: 1, column: 1 });
});

/** The YamlSourceError that parsing `text` throws, or a failure when it parses. */
function refusal(t: import("ava").ExecutionContext, text: string): YamlSourceError | undefined {
    return t.throws(() => parseYamlWithPositions(text, "hazard.yaml"), { instanceOf: YamlSourceError });
}

test("a syntax error is refused with js-yaml's mark, 1-based, and keeps js-yaml's exception as its cause", (t) => {
    const error = refusal(t, "a: [1, 2\n");
    t.is(error?.refusal, "syntax");
    t.deepEqual(error?.position, { line: 2, column: 1 });
    t.true(error?.cause instanceof YAMLException);
});

test("a duplicate key is refused as such", (t) => {
    t.is(refusal(t, "a: 1\nb: 2\na: 3\n")?.refusal, "duplicate-key");
});

const secondDocument = test.macro({
    exec(t, text: string, expected: string) {
        const error = refusal(t, text);
        t.is(error?.refusal, "multiple-documents");
        t.is(`${error?.position.line}:${error?.position.column}`, expected);
    },
    title: (_, text: string, expected: string) => `a stream of two documents ${JSON.stringify(text)} is refused at the second one, ${expected}`,
});

test(secondDocument, "name: a\n---\nname: b\n", "2:1");
test(secondDocument, "---\nname: a\n---\nname: b\n", "3:1");
test(secondDocument, "# one\nname: a\n...\n---\n", "4:1");
test(secondDocument, "name: a\n--- {name: b}\n", "2:1");

/** `levels` anchors, each a list of `width` aliases to the previous one: width^levels nodes. */
function aliasBomb(levels: number, width: number, under = "x-bomb"): string {
    const lines = ["name: bomb", `${under}:`, "  a0: &a0 [lol]"];
    for (let level = 1; level <= levels; level++) lines.push(`  a${level}: &a${level} [${Array(width).fill(`*a${level - 1}`).join(", ")}]`);
    return `${lines.join("\n")}\n`;
}

test("an alias bomb (10 levels of 10 aliases) is refused at its widest alias, before anything walks it", (t) => {
    const error = refusal(t, aliasBomb(10, 10));
    t.is(error?.refusal, "excessive-aliasing");
    t.is(error?.position.line, 13);
    t.regex(error?.reason ?? "", /\*a9 alone/);
});

test("an alias bomb in the lab's own fields is refused too", (t) => {
    t.is(refusal(t, aliasBomb(6, 10, "hosts"))?.refusal, "excessive-aliasing");
});

test("aliases that add more than the allowed number of nodes are refused even at a low ratio", (t) => {
    const width = Math.ceil(Math.sqrt(MAX_ALIASED_NODES)) + 10;
    const list = Array.from({ length: width }, (_, index) => `v${index}`).join(", ");
    const text = `name: wide\nx-base: &base [${list}]\nx-copies: [${Array(width).fill("*base").join(", ")}]\n`;
    t.is(refusal(t, text)?.refusal, "excessive-aliasing");
});

test("anchors used as a lab uses them, a few times each, are accepted", (t) => {
    const text = `x-pi: &pi {user: pi, port: 22}\nhosts:\n${Array.from({ length: 50 }, (_, index) => `  h${index}: {<<: *pi, role: client, copy: *pi}`).join("\n")}\n`;
    const { value } = parseYamlWithPositions(text, "anchors.yaml");
    t.like(value, { hosts: { h49: { user: "pi", copy: { port: 22 } } } });
});

test("many aliases of one scalar pass, as they do in the Pulumi CLI's reader", (t) => {
    const text = `x-a: &a v\nlist: [${Array(2000).fill("*a").join(", ")}]\n`;
    t.is((parseYamlWithPositions(text, "scalars.yaml").value as { list: string[] }).list.length, 2000);
});

test("an anchored node is located once however many aliases refer to it", (t) => {
    const { root } = parseYamlWithPositions("x-a: &a {k: [1, 2]}\nb: *a\nc: *a\n", "shared.yaml");
    const b = nodeAt(root, ["b"]);
    const c = nodeAt(root, ["c"]);
    t.truthy(b?.entries);
    t.is(b?.entries, c?.entries);
    t.deepEqual(positionOf(root, ["c", "k", 1]), { line: 1, column: 17 });
    t.deepEqual(positionOf(root, ["c"]), { line: 3, column: 4 });
});

test("a document with more nodes than the budget is refused at the first node beyond it", (t) => {
    const text = `name: long\nx-list:\n${Array.from({ length: MAX_YAML_NODES }, (_, index) => `  - i${index}\n`).join("")}`;
    const error = refusal(t, text);
    t.is(error?.refusal, "too-many-nodes");
    t.true((error?.position.line ?? 0) > 3 && (error?.position.line ?? Infinity) < MAX_YAML_NODES);
});

test("every item of a long list, repeated values and empty entries included, is located on its own line", (t) => {
    const count = 20_000;
    const items = Array.from({ length: count }, (_, index) => (index % 3 === 0 ? "  -" : index % 3 === 1 ? "  - same" : `  - v${index}`));
    const { root } = parseYamlWithPositions(`list:\n${items.join("\n")}\n`, "long.yaml");
    const wrong = [1, 2, 4, 5, count - 3, count - 1].filter((index) => positionOf(root, ["list", index]).line !== index + 2);
    t.deepEqual(wrong, []);
    t.is(nodeAt(root, ["list", 0]), undefined);
});
