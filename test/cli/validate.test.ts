import test from "ava";
import { join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { EXIT_USAGE } from "../../cli/command";
import { main } from "../../cli/main";

const ROOT = join(__dirname, "..", "..");
const path = (...parts: string[]) => relative(process.cwd(), join(ROOT, ...parts));
const EMULATED_STACK = path("stacks", "Pulumi.emulated.yaml");
const SEED_STACK = path("stacks", "Pulumi.seed-lab.yaml");
const BLOG_SERVER_LAB = path("test", "fixtures", "labs", "bad", "endpoint-foreign-address-blog-server.yaml");
const NATIVE_PACKAGE_LAB = path("test", "fixtures", "labs", "good", "native-package.yaml");

/** Runs `mptcp-lab validate ARGV` and returns its exit code and the lines it printed on stdout and stderr. */
async function validate(...argv: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
    const printed = { stdout: "", stderr: "" };
    const stream = (key: keyof typeof printed) => {
        const sink = new PassThrough();
        sink.on("data", (chunk: Buffer) => (printed[key] += chunk.toString()));
        return sink;
    };
    const code = await main(["validate", ...argv], { stdout: stream("stdout"), stderr: stream("stderr"), environment: {} });
    const lines = (text: string) => text.split("\n").filter((line) => line !== "");
    return { code, lines: lines(printed.stdout), errors: lines(printed.stderr) };
}

/** `file:line:column severity code path` of a printed problem, the part tests may rely on. */
function placeOfLine(line: string): string {
    const match = /^(.+?:\d+:\d+) (error|warning) ([a-z0-9-]+)( [^ ]+)?: /.exec(line);
    return match ? `${match[1]} ${match[2]} ${match[3]}${match[4] ?? ""}` : `not a problem line: ${line}`;
}

test("a clean stack file is reported valid with exit code 0", async (t) => {
    const { code, lines } = await validate(EMULATED_STACK);
    t.is(code, 0);
    t.deepEqual(lines, [`${EMULATED_STACK}: valid`]);
});

test("a lab with errors prints each problem at its place and exits 1", async (t) => {
    const { code, lines } = await validate(BLOG_SERVER_LAB);
    t.is(code, 1);
    t.deepEqual(lines.slice(0, -1).map(placeOfLine), [
        `${BLOG_SERVER_LAB}:28:18 error endpoint-foreign-address hosts.server.endpoints[0].address`,
        `${BLOG_SERVER_LAB}:30:16 warning endpoint-role-flags hosts.server.endpoints[0].flags`,
        `${BLOG_SERVER_LAB}:31:18 error endpoint-foreign-address hosts.server.endpoints[1].address`,
        `${BLOG_SERVER_LAB}:33:16 warning endpoint-role-flags hosts.server.endpoints[1].flags`,
    ]);
    t.is(lines.at(-1), `${BLOG_SERVER_LAB}: invalid (2 errors, 2 warnings)`);
});

test("warnings alone are printed and leave the exit code at 0", async (t) => {
    const { code, lines } = await validate(NATIVE_PACKAGE_LAB);
    t.is(code, 0);
    t.deepEqual(lines.slice(0, -1).map(placeOfLine), [`${NATIVE_PACKAGE_LAB}:21:10 warning iperf3-native-package iperf3.mptcp`]);
    t.is(lines.at(-1), `${NATIVE_PACKAGE_LAB}: valid (1 warning)`);
});

test("the shipped seed-lab stack file fails until its host keys are filled in", async (t) => {
    const { code, lines } = await validate(SEED_STACK);
    t.is(code, 1);
    t.deepEqual(lines.slice(0, -1).map(placeOfLine), [
        `${SEED_STACK}:14:20 error placeholder-value hosts.client.connection.hostKey`,
        `${SEED_STACK}:25:20 error placeholder-value hosts.server.connection.hostKey`,
    ]);
});

test("one bad file among good ones makes the exit code 1 and every file is reported", async (t) => {
    const { code, lines } = await validate(EMULATED_STACK, BLOG_SERVER_LAB, NATIVE_PACKAGE_LAB);
    t.is(code, 1);
    t.deepEqual(
        lines.filter((line) => !line.includes(" error ") && !line.includes(" warning ")),
        [`${EMULATED_STACK}: valid`, `${BLOG_SERVER_LAB}: invalid (2 errors, 2 warnings)`, `${NATIVE_PACKAGE_LAB}: valid (1 warning)`],
    );
});

test("a missing file is reported as unreadable with exit code 1", async (t) => {
    const missing = path("stacks", "Pulumi.no-such-stack.yaml");
    const { code, lines } = await validate(missing);
    t.is(code, 1);
    t.is(placeOfLine(lines[0]), `${missing}:1:1 error file-unreadable`);
});

test("no file at all is a usage error with exit code 64", async (t) => {
    const { code, lines, errors } = await validate();
    t.is(code, EXIT_USAGE);
    t.deepEqual(lines, []);
    t.true(errors.some((line) => line.startsWith("Usage: mptcp-lab validate")));
});

test("an unknown option is a usage error with exit code 64", async (t) => {
    const { code, lines, errors } = await validate("--fast", EMULATED_STACK);
    t.is(code, EXIT_USAGE);
    t.deepEqual(lines, [], "nothing is validated");
    t.regex(errors[0], /--fast/);
});

test("--help prints the usage and exits 0", async (t) => {
    const { code, lines } = await validate("--help");
    t.is(code, 0);
    t.true(lines[0].startsWith("Usage: mptcp-lab validate"));
});
