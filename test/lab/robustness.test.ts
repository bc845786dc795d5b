import test from "ava";
import { validateLabText } from "../../lab";
import { GOOD_DIR, isWellFormedProblem, readFixture, STACKS_DIR, yamlFilesIn } from "./fixtures";

// Damaged copies of valid labs: each line removed in turn, and each line cut in half. Whatever the
// damage, the validator answers with problems (or a spec), never an exception.
const sources = [...yamlFilesIn(GOOD_DIR).map((file) => ({ dir: GOOD_DIR, file })), ...yamlFilesIn(STACKS_DIR).map((file) => ({ dir: STACKS_DIR, file }))];

function damagedCopies(text: string): string[] {
    const lines = text.split("\n");
    return lines.flatMap((line, index) => [
        [...lines.slice(0, index), ...lines.slice(index + 1)].join("\n"),
        [...lines.slice(0, index), line.slice(0, Math.ceil(line.length / 2)), ...lines.slice(index + 1)].join("\n"),
    ]);
}

const survivesDamage = test.macro({
    exec(t, dir: string, file: string) {
        for (const [index, copy] of damagedCopies(readFixture(dir, file)).entries()) {
            const result = validateLabText(copy, file);
            t.true(result.spec !== undefined || result.problems.some((problem) => problem.severity === "error"), `copy ${index} is usable or has an error`);
            t.true(result.problems.every(isWellFormedProblem), `copy ${index} yields well-formed problems`);
        }
    },
    title: (_, _dir: string, file: string) => `every damaged copy of ${file} is answered with problems, never an exception`,
});

for (const { dir, file } of sources) test(survivesDamage, dir, file);
