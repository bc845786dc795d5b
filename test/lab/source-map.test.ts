import test from "ava";
import { YAMLException } from "js-yaml";
import { nodeAt, parseYamlWithPositions, positionOf, type LabPath } from "../../lab/source-map";

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

test("a syntax error surfaces as js-yaml's exception with its mark", (t) => {
    // YAMLException is not a native Error subclass as far as t.throws is concerned.
    let thrown: unknown;
    try {
        parseYamlWithPositions("a: [1, 2\n", "broken.yaml");
    } catch (error) {
        thrown = error;
    }
    t.true(thrown instanceof YAMLException);
    t.is((thrown as YAMLException).mark.line, 1);
});
