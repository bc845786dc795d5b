// The coded line (errors/engine-text.ts): written by forEngine and by the hosts' scripts, read back
// from the text the pinned engine and the Automation API really produce (captured by
// scripts/capture-engine-errors.ts into test/fixtures/engine-errors.json).
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { CodedError, codedLine, failureLines, forEngine, hintFor, parseCodedErrors } from "../../errors";
import { RemoteStepError } from "../../remote/ssh";

interface Capture {
    case: string;
    exception: string;
    diagnostics: string[];
}
const captured = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/engine-errors.json"), "utf8")) as { pulumi: string; captures: Capture[] };
const capture = (name: string) => captured.captures.find((entry) => entry.case.startsWith(name))!;

test("the captures come from the pinned Pulumi", (t) => {
    const pinned = JSON.parse(fs.readFileSync(path.join(__dirname, "../../node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string };
    t.is(captured.pulumi, pinned.version, "run scripts/capture-engine-errors.ts again after a Pulumi upgrade");
});

const unreachable = { code: "ssh-connect", host: "client", step: "read host facts", message: "client: read host facts: cannot connect to root@198.19.6.10:22: connect ECONNREFUSED 198.19.6.10:22" };

const roundTrip = test.macro({
    exec(t, name: string, where: "exception" | "diagnostics", expected: object[]) {
        const entry = capture(name);
        const text = where === "exception" ? entry.exception : entry.diagnostics.join("\n");
        t.deepEqual(
            parseCodedErrors(text).map(({ hint, ...fields }) => ({ ...fields, hintFound: hint !== "" })),
            expected.map((fields) => ({ ...fields, hintFound: true })),
        );
    },
    title: (_title, name: string, where: string) => `a coded error survives the engine's ${where} when ${name}`,
});
const stepFailed = { code: "remote-step-failed", host: "server", step: "enable MPTCP", message: "server: enable MPTCP: exited with 1: sysctl: cannot stat /proc/sys/net/mptcp/enabled" };
const commandStep = { code: "iperf3-source-unavailable", host: "client", step: "build iperf3 3.21", value: "3.99", message: "client: build iperf3 3.21: exited with 3: tag 3.99 does not exist" };
test(roundTrip, "create fails", "diagnostics", [stepFailed, commandStep]);
test(roundTrip, "create fails", "exception", [stepFailed, commandStep]);
test(roundTrip, "read fails in a refresh preview", "diagnostics", [unreachable]);
test(roundTrip, "read fails in a refresh preview", "exception", [unreachable]);
test(roundTrip, "read fails in up --refresh", "diagnostics", [unreachable]);
test(roundTrip, "read fails in up --refresh", "exception", [unreachable]);

test("what forEngine writes is what the capture carried", (t) => {
    const error = forEngine(new RemoteStepError("ssh-connect", "client", "read host facts", "cannot connect to root@198.19.6.10:22: connect ECONNREFUSED 198.19.6.10:22")) as Error;
    t.true(capture("read fails in up --refresh").diagnostics[0].startsWith(error.message));
    t.is((error.cause as RemoteStepError).code, "ssh-connect");
});

test("an error without a known code crosses the engine unchanged", (t) => {
    const plain = new Error("something else");
    t.is(forEngine(plain), plain);
    const foreign = Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    t.is(forEngine(foreign), foreign);
});

test("an error that already carries its coded line is not wrapped twice", (t) => {
    const once = forEngine(new CodedError("host-no-mptcp", "client: enable MPTCP: no MPTCP", { host: "client" })) as Error;
    const twice = forEngine(Object.assign(once, { code: "host-no-mptcp" })) as Error;
    t.is(twice.message.split("[mptcp-lab:").length, 2);
});

test("fields with spaces, quotes, backslashes and line breaks stay on one line and come back as they were", (t) => {
    const fields = { code: "remote-step-failed", host: "client", step: 'build "iperf3" a\\b\nnext\u2028line', value: "tag 3.99]" };
    const line = codedLine(fields);
    t.false(/[\n\u2028]/.test(line));
    const [report] = parseCodedErrors(`error: ${line} the message`);
    t.like(report, { ...fields, message: "the message", hint: hintFor("remote-step-failed") });
});

test("a code this version does not know is read, without a hint", (t) => {
    const [report] = parseCodedErrors("[mptcp-lab:some-future-code host=client] it failed");
    t.like(report, { code: "some-future-code", host: "client", message: "it failed", hint: "" });
});

test("a value that is not a string travels as JSON, shortened when long", (t) => {
    const error = forEngine(new CodedError("failover-runner-refused", "client: run: refused", { host: "client", value: { exit: 3, text: "x".repeat(500) } })) as Error;
    const [report] = parseCodedErrors(error.message);
    t.true(report.value!.startsWith('{"exit":3,"text":"xxx'));
    t.true(report.value!.length <= 200);
});

test("a code that cannot be a code is refused when writing", (t) => {
    t.throws(() => codedLine({ code: "not a code]" }), { instanceOf: RangeError });
});

test("text without a coded line has no coded errors", (t) => {
    t.deepEqual(parseCodedErrors("error: update failed\n[mptcp-lab is a name] [other:thing]"), []);
});

test("a failed stack's engine error is printed with one headline and hint per coded error in it", (t) => {
    const lines = failureLines(new Error(capture("create fails").exception), "t-unit");
    t.true(lines[0].startsWith("error: code: -2"), "the engine's own message first");
    t.deepEqual(lines.slice(-4), [
        "error remote-step-failed: server: enable MPTCP: exited with 1: sysctl: cannot stat /proc/sys/net/mptcp/enabled",
        `hint: ${hintFor("remote-step-failed")}`,
        "error iperf3-source-unavailable: client: build iperf3 3.21: exited with 3: tag 3.99 does not exist",
        `hint: ${hintFor("iperf3-source-unavailable")}`,
    ]);
});

test("a coded error thrown on this side is printed as its headline and hint alone", (t) => {
    const error = new RemoteStepError("ssh-host-key", "server", "read host facts", "the host key presented by 198.19.6.11 is not the pinned one");
    t.deepEqual(failureLines(error), ["error ssh-host-key: server: read host facts: the host key presented by 198.19.6.11 is not the pinned one", `hint: ${hintFor("ssh-host-key")}`]);
});
