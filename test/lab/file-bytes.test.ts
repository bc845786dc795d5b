import test from "ava";
import { randomBytes } from "node:crypto";
import { MAX_LAB_FILE_BYTES, validateLabBytes } from "../../lab";
import { firstInvalidUtf8 } from "../../lab/load";
import { placeOf } from "./fixtures";

const VALID_LAB = "name: bytes\n";

/** The bytes of `before`, then `raw`, then `after`. */
function withBytes(before: string, raw: readonly number[], after: string): Buffer {
    return Buffer.concat([Buffer.from(before, "utf8"), Buffer.from(raw), Buffer.from(after, "utf8")]);
}

const refusedAsNotUtf8 = test.macro({
    exec(t, bytes: Buffer, expected: string) {
        const result = validateLabBytes(bytes, "bytes.yaml");
        t.is(result.spec, undefined);
        t.deepEqual(result.problems.map(placeOf), [expected]);
    },
    title: (what: string | undefined) => `a file with ${what ?? "bad bytes"} is refused as not UTF-8 at that byte`,
});

test("an invalid byte in a comment", refusedAsNotUtf8, withBytes("# caf", [0xe9], " au lait\nname: x\n"), "file-not-utf8 1:6");
test("an invalid byte in a value on line 3", refusedAsNotUtf8, withBytes("name: x\nhosts:\n  a: \u00e9t\u00e9 ", [0xff], "\n"), "file-not-utf8 3:10");
test("an overlong encoding of a slash", refusedAsNotUtf8, withBytes("name: x\n", [0xc0, 0xaf], "\n"), "file-not-utf8 2:1");
test("an encoded UTF-16 surrogate", refusedAsNotUtf8, withBytes("a: ", [0xed, 0xa0, 0x80], "\n"), "file-not-utf8 1:4");
test("a code point above U+10FFFF", refusedAsNotUtf8, withBytes("a: ", [0xf4, 0x90, 0x80, 0x80], "\n"), "file-not-utf8 1:4");
test("a sequence cut short by the end of the file", refusedAsNotUtf8, withBytes("a: b", [0xe2, 0x82], ""), "file-not-utf8 1:5");
test("a lone continuation byte", refusedAsNotUtf8, withBytes("a: b\r\n", [0x80], ""), "file-not-utf8 2:1");

test("the problem names the byte's offset and value", (t) => {
    const [problem] = validateLabBytes(withBytes("# caf", [0xe9], "\n"), "bytes.yaml").problems;
    t.is(problem.value, "e9 0a");
    t.regex(problem.message, /^byte 5 \(0xe9\)/);
});

test("UTF-8 text, multi-byte characters and a byte-order mark included, goes on to the YAML stage", (t) => {
    const result = validateLabBytes(Buffer.from(`\ufeff# caf\u00e9 \u2713 \u{1f600}\n${VALID_LAB}`, "utf8"), "bytes.yaml");
    t.false(result.problems.some((problem) => problem.code === "file-not-utf8"));
    t.true(result.problems.some((problem) => problem.code === "schema-required"));
});

test("a file above the size limit is refused before it is decoded or parsed", (t) => {
    const bytes = Buffer.alloc(MAX_LAB_FILE_BYTES + 1, 0xff);
    t.deepEqual(validateLabBytes(bytes, "big.yaml").problems.map(placeOf), ["file-too-large 1:1"]);
});

test("the UTF-8 check finds the same first bad byte as a strict decoder, on random bytes", (t) => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const strictlyValidPrefix = (bytes: Uint8Array): number => {
        let low = 0;
        let high = bytes.length;
        // The longest prefix that decodes strictly, with a sequence cut at its end allowed to be cut.
        while (low < high) {
            const middle = (low + high + 1) >> 1;
            try {
                decoder.decode(bytes.subarray(0, middle), { stream: true });
                low = middle;
            } catch {
                high = middle - 1;
            }
        }
        return low;
    };
    for (let round = 0; round < 300; round++) {
        const bytes = new Uint8Array(randomBytes(24).map((byte, index) => (index % 3 === 0 ? byte : byte & 0x7f)));
        const found = firstInvalidUtf8(bytes);
        const prefix = strictlyValidPrefix(bytes);
        // The decoder may accept a cut sequence at the end of a prefix: found lies within it.
        t.true(found <= prefix && prefix - found <= 3, `round ${round}: ${Buffer.from(bytes).toString("hex")} found ${found}, strict prefix ${prefix}`);
        if (found === bytes.length) t.notThrows(() => decoder.decode(bytes));
        else t.throws(() => decoder.decode(bytes.subarray(0, found + 4 > bytes.length ? bytes.length : found + 4)));
    }
});
