import test from "ava";
import { readFileSync } from "node:fs";
import labSchema from "../../lab/schema.json";
import { LAB_REFERENCE_PATH, renderLabReference, type SchemaNode } from "../../scripts/generate-lab-reference";

const schema = labSchema as SchemaNode;

test("the committed lab reference matches the schema (regenerate it with scripts/generate-lab-reference.ts)", (t) => {
    t.is(readFileSync(LAB_REFERENCE_PATH, "utf8"), renderLabReference(schema));
});

test("the lab reference has a table for every object of the lab format", (t) => {
    const headings = renderLabReference(schema)
        .split("\n")
        .filter((line) => line.startsWith("## "));
    t.deepEqual(headings, [
        "## `lab`",
        "## `bench`",
        "## `bench.shaping.<interface>`",
        "## `hosts.<host>`",
        "## `hosts.<host>.connection`",
        "## `hosts.<host>.endpoints[]`",
        "## `hosts.<host>.limits`",
        "## `iperf3`",
        "## `iperf3.source`",
        "## `failover`",
    ]);
});

test("a pipe inside a pattern does not split its table cell", (t) => {
    const hostKeyRow = renderLabReference(schema)
        .split("\n")
        .find((line) => line.startsWith("| `hostKey`"));
    t.is(hostKeyRow?.split(/(?<!\\)\|/).length, 6);
});
