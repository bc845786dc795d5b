import test from "ava";
import { join } from "node:path";
import { formatProblem, LabError, loadLabFile, PROBLEM_CODES } from "../../lab";
import { hintFor, labProblem } from "../../lab/errors";

const site = { file: "stacks/Pulumi.x.yaml", line: 14, column: 9, path: "hosts.client.endpoints[0].address" };
const foreignAddress = labProblem("endpoint-foreign-address", site, {
    message: "198.18.0.99 is not an address of host client",
    value: "198.18.0.99",
    expected: "one of 198.18.0.133, 198.18.0.173",
});

test("a formatted problem gives place, severity, code, path, message, expectation and hint on one line", (t) => {
    t.is(
        formatProblem(foreignAddress),
        `stacks/Pulumi.x.yaml:14:9 error endpoint-foreign-address hosts.client.endpoints[0].address: 198.18.0.99 is not an address of host client (expected one of 198.18.0.133, 198.18.0.173). Hint: ${hintFor("endpoint-foreign-address")}`,
    );
});

test("a formatted problem about a whole file has no path", (t) => {
    const problem = labProblem("yaml-syntax", { file: "lab.yaml", line: 3, column: 1, path: "" }, { message: "bad indentation", expected: "well-formed YAML" });
    t.true(formatProblem(problem).startsWith("lab.yaml:3:1 error yaml-syntax: bad indentation"));
});

test("a formatted problem cannot be split or recoloured by the value it quotes", (t) => {
    const problem = labProblem("schema-pattern", site, { message: 'eth0\nreboot \u001b[31mred\u2028', expected: "an interface name" });
    const line = formatProblem(problem);
    t.false(/[\n\r\u001b\u2028]/.test(line));
    t.true(line.includes("eth0\\nreboot \\u001b[31mred\\u2028"));
});

test("every problem code is kebab-case and has a hint", (t) => {
    t.deepEqual(PROBLEM_CODES.filter((code) => !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(code)), []);
    t.deepEqual(PROBLEM_CODES.filter((code) => hintFor(code).length < 10), []);
});

test("warnings are the codes the table marks as warnings", (t) => {
    const warnings = PROBLEM_CODES.filter((code) => labProblem(code, site, { message: "", expected: "" }).severity === "warning");
    t.deepEqual(warnings, ["unquoted-number", "endpoint-role-flags", "failover-primary-path", "iperf3-native-package"]);
});

test("a LabError keeps its problems and the cause it wraps", (t) => {
    const cause = new Error("underlying");
    const error = new LabError([foreignAddress], { cause });
    t.is(error.name, "LabError");
    t.is(error.cause, cause);
    t.deepEqual(error.problems, [foreignAddress]);
    t.true(error.message.split("\n").includes(formatProblem(foreignAddress)));
});

test("an unreadable lab file is a LabError caused by the file system error", (t) => {
    const missing = join(__dirname, "no-such-lab.yaml");
    const error = t.throws(() => loadLabFile(missing), { instanceOf: LabError });
    t.deepEqual(error?.problems.map((problem) => [problem.code, problem.file, problem.line, problem.column]), [["file-unreadable", missing, 1, 1]]);
    t.is((error?.cause as NodeJS.ErrnoException | undefined)?.code, "ENOENT");
});
