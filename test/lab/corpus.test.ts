import test from "ava";
import { isUtf8 } from "node:buffer";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateFiles } from "../../cli/validate";
import labSchema from "../../lab/schema.json";
import { MAX_LAB_FILE_BYTES, validateLabBytes } from "../../lab";
import { MAX_YAML_NODES } from "../../lab/source-map";
import { declaredPlaces, LABS_DIR, placeOf, sorted } from "./fixtures";

// The bad-input corpus: labs written to break validate (injection in every string field, YAML
// hazards, semantic mistakes, the bench's own limits), each declaring the problems it must get.
// Each is refused by `mptcp-lab validate` with those problems at their places, and without a stack
// trace. Durations are logged for the record, never asserted (scripts/benchmark-validate.ts).
const CORPUS_DIR = join(LABS_DIR, "corpus");
const corpus = readdirSync(CORPUS_DIR).filter((name) => name.endsWith(".yaml")).sort();
const CATEGORIES = ["injection", "yaml", "semantic", "bench"] as const;

/** What `mptcp-lab validate FILE` prints and returns, and how long it took. */
async function validateCommand(file: string): Promise<{ code: number; lines: string[]; milliseconds: number }> {
    let printed = "";
    const started = process.hrtime.bigint();
    const code = await validateFiles([file], { write: (text: string) => (printed += text) });
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
    return { code, lines: printed.split("\n").filter((line) => line !== ""), milliseconds };
}

/** `file:line:column severity code path` of a printed problem line. */
function printedPlace(line: string): string {
    const match = /^(.+?):(\d+):(\d+) (error|warning) ([a-z0-9-]+)(?: (.+?))?: /.exec(line);
    return match ? `${match[5]} ${match[2]}:${match[3]}${match[6] ? ` ${match[6]}` : ""}` : `not a problem line: ${line}`;
}

const refusedByValidate = test.macro({
    async exec(t, name: string) {
        const file = join(CORPUS_DIR, name);
        // Some files are not UTF-8 on purpose; their declarations are ASCII.
        const bytes = readFileSync(file);
        const declared = declaredPlaces(bytes.toString(isUtf8(bytes) ? "utf8" : "latin1"));
        t.not(declared.length, 0, "the file declares its problems");
        const validation = validateLabBytes(bytes, file);
        t.is(validation.spec, undefined);
        t.deepEqual(sorted(validation.problems.map(placeOf)), sorted(declared));

        const { code, lines, milliseconds } = await validateCommand(file);
        t.is(code, 1);
        t.deepEqual(sorted(lines.slice(0, -1).map(printedPlace)), sorted(declared));
        t.true(lines.every((line) => line.startsWith(`${file}:`)), "every line names the file");
        t.false(lines.some((line) => /^\s+at |\bat .+\.(ts|js):\d+/.test(line)), "no stack trace");
        t.regex(lines[lines.length - 1], /: invalid \(\d+ errors?/);
        t.log(`${Math.round(milliseconds)} ms`);
    },
    title: (_, name: string) => `validate refuses corpus file ${name} with the problems it declares`,
});

for (const name of corpus) test.serial(refusedByValidate, name);

test("the corpus holds at least 60 files, in every category", (t) => {
    const sizes = Object.fromEntries(CATEGORIES.map((category) => [category, corpus.filter((name) => name.startsWith(`${category}-`)).length]));
    t.log(JSON.stringify(sizes));
    t.true(corpus.length >= 60);
    t.deepEqual(corpus.filter((name) => !CATEGORIES.some((category) => name.startsWith(`${category}-`))), []);
    t.true(sizes.injection >= 25 && sizes.yaml >= 15 && sizes.semantic >= 15 && sizes.bench >= 5, JSON.stringify(sizes));
});

interface SchemaNode {
    readonly type?: string;
    readonly $ref?: string;
    readonly properties?: Record<string, SchemaNode>;
    readonly patternProperties?: Record<string, SchemaNode>;
    readonly propertyNames?: SchemaNode;
    readonly items?: SchemaNode;
}

/** Every place in the lab that holds a string, keys included (`<key>`), in generic form. */
function stringFields(node: SchemaNode, path: string): string[] {
    const resolved = node.$ref ? (labSchema.definitions as Record<string, SchemaNode>)[node.$ref.replace("#/definitions/", "")] : node;
    const join = (segment: string) => (path === "" ? segment : `${path}.${segment}`);
    const own = resolved.type === "string" ? [path] : [];
    return [
        ...own,
        ...Object.entries(resolved.properties ?? {}).flatMap(([name, child]) => stringFields(child, join(name))),
        ...(resolved.propertyNames ? [join("<key>")] : []),
        ...Object.entries(resolved.patternProperties ?? {})
            .filter(([pattern]) => pattern !== "^x-")
            .flatMap(([, child]) => stringFields(child, join("*"))),
        ...(resolved.items ? stringFields(resolved.items, `${path}[]`) : []),
    ];
}

/** A problem's path in generic form: names of hosts, interfaces and shaped interfaces become `*`. */
function generic(path: string): string {
    return path
        .replace(/\[\d+\]/g, "[]")
        .replace(/\["[^"]*"\]/g, ".*")
        .replace(/^hosts\.[^.[]+/, "hosts.*")
        .replace(/\.(interfaces|shaping)\.[^.[]+/, ".$1.*");
}

test("every string field of the schema, keys included, has an injection file that validate refuses there", (t) => {
    const fields = [...new Set(stringFields(labSchema as SchemaNode, ""))].sort();
    t.true(fields.length >= 25, fields.join(", "));
    const refusedAt = new Set(
        corpus
            .filter((name) => name.startsWith("injection-"))
            .flatMap((name) => validateLabBytes(readFileSync(join(CORPUS_DIR, name)), name).problems)
            .map((problem) => generic(problem.path)),
    );
    t.deepEqual(
        fields.filter((field) => !refusedAt.has(field.replace(/<key>/g, "*"))),
        [],
    );
});

/** Files too large to commit, written for the test. */
const GENERATED: readonly { name: string; text: () => string; expected: RegExp }[] = [
    { name: "long-list", text: () => `name: big\nx-list:\n${Array.from({ length: 600_000 }, (_, index) => `  - item-${index}\n`).join("")}`, expected: /^yaml-too-many-nodes \d+:5$/ },
    { name: "flow-list", text: () => `name: big\nx-list: [${"1,".repeat(4_000_000)}1]\n`, expected: /^yaml-too-many-nodes 2:\d+$/ },
    { name: "many-keys", text: () => `config:\n${Array.from({ length: 200_000 }, (_, index) => `  p:k${index}: v\n`).join("")}`, expected: /^yaml-too-many-nodes \d+:\d+$/ },
    { name: "over-size", text: () => `# ${"x".repeat(MAX_LAB_FILE_BYTES)}\nname: big\n`, expected: /^file-too-large 1:1$/ },
];

const generatedIsRefused = test.macro({
    async exec(t, entry: (typeof GENERATED)[number]) {
        const dir = mkdtempSync(join(tmpdir(), "mptcp-lab-corpus-"));
        t.teardown(() => rmSync(dir, { recursive: true, force: true }));
        const file = join(dir, `${entry.name}.yaml`);
        writeFileSync(file, entry.text());
        const { code, lines, milliseconds } = await validateCommand(file);
        t.is(code, 1);
        t.is(lines.length, 2, lines.join("\n").slice(0, 500));
        t.regex(printedPlace(lines[0]), entry.expected);
        t.log(`${readFileSync(file).length} bytes, ${Math.round(milliseconds)} ms`);
    },
    title: (_, entry: (typeof GENERATED)[number]) => `validate refuses the generated file ${entry.name} at once, at its place`,
});

for (const entry of GENERATED) test.serial(generatedIsRefused, entry);

test("the node budget leaves room for any lab or stack file", (t) => {
    t.true(MAX_YAML_NODES >= 10_000);
});
