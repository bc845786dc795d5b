import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LabError, loadLabFile, PROBLEM_CODES, validateLabText } from "../../lab";
import { BAD_DIR, declaredPlaces, GOOD_DIR, isWellFormedProblem, placeOf, readFixture, sorted, yamlFilesIn } from "./fixtures";

const badFixtures = yamlFilesIn(BAD_DIR);

const reportsWhatItDeclares = test.macro({
    exec(t, file: string) {
        const text = readFixture(BAD_DIR, file);
        const declared = declaredPlaces(text);
        t.not(declared.length, 0, "the fixture declares its expected problems");
        const result = validateLabText(text, file);
        t.is(result.spec, undefined);
        t.true(result.problems.some((problem) => problem.severity === "error"));
        t.deepEqual(sorted(result.problems.map(placeOf)), sorted(declared));
        t.true(result.problems.every(isWellFormedProblem));
    },
    title: (_, file: string) => `bad lab ${file} reports exactly the problems it declares`,
});

const refusedWithLabError = test.macro({
    exec(t, file: string) {
        const path = join(BAD_DIR, file);
        const error = t.throws(() => loadLabFile(path), { instanceOf: LabError });
        t.deepEqual(sorted((error?.problems ?? []).map(placeOf)), sorted(declaredPlaces(readFixture(BAD_DIR, file))));
    },
    title: (_, file: string) => `loading bad lab ${file} throws a LabError carrying those problems`,
});

for (const file of badFixtures) {
    test(reportsWhatItDeclares, file);
    test(refusedWithLabError, file);
}

test("the bad corpus holds at least 30 labs", (t) => {
    t.true(badFixtures.length >= 30, `${badFixtures.length} bad labs`);
});

test("the fixtures exercise every problem code but those tested on their own", (t) => {
    const corpusDir = join(BAD_DIR, "..", "corpus");
    const texts = [
        ...badFixtures.map((file) => readFixture(BAD_DIR, file)),
        ...yamlFilesIn(GOOD_DIR).map((file) => readFixture(GOOD_DIR, file)),
        ...yamlFilesIn(corpusDir).map((file) => readFileSync(join(corpusDir, file), "latin1")),
    ];
    const declaredCodes = new Set(texts.flatMap(declaredPlaces).map((place) => place.split(" ")[0]));
    t.deepEqual(
        PROBLEM_CODES.filter((code) => !declaredCodes.has(code)),
        // Generated in corpus.test.ts (too large to commit), and the bench's name and host count,
        // which a lab's schema and role check refuse first.
        ["file-unreadable", "file-too-large", "yaml-too-many-nodes", "bench-name", "bench-hosts"],
    );
});
