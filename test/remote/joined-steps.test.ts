// Joined read steps run by the real bash, as `bash -s` runs them on a host: each step's output,
// errors and exit status come back as its own, and no step sees another's variables or text.
import test from "ava";
import { spawnSync } from "node:child_process";
import { joinSteps, splitJoinedResult } from "../../remote/joined-steps";
import type { RemoteResult, RemoteStep } from "../../remote/ssh";

const step = (name: string, script: string, extra: Partial<RemoteStep> = {}): RemoteStep => ({ host: "client", step: name, script, ...extra });

/** What the host's `bash -s` answers for a script on stdin. */
function runBash(script: string): RemoteResult {
    const child = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env: { PATH: process.env.PATH } });
    return { stdout: child.stdout, stderr: child.stderr, exitCode: child.status ?? 255 };
}

test("each step's output, errors and exit status come back as its own, in order", (t) => {
    const steps = [
        step("read facts", "set -euo pipefail\nsecret=1\necho facts\necho 'warning: facts' >&2\n"),
        step("read nothing", "set -euo pipefail\nprintf 'no newline at the end'"),
        step("fail half way", "set -euo pipefail\necho before\nfalse\necho after\n"),
        step("exit on purpose", "echo \"secret is ${secret:-unset}\"\nexit 3\n"),
        step("read stdin", "set -euo pipefail\nleft=$(cat)\necho \"stdin held ${#left} bytes\"\n"),
    ];
    const joined = joinSteps(steps);
    const whole = runBash(joined.step.script);
    t.is(whole.exitCode, 0);
    t.deepEqual(splitJoinedResult(whole, joined), [
        { stdout: "facts\n", stderr: "warning: facts\n", exitCode: 0 },
        { stdout: "no newline at the end", stderr: "", exitCode: 0 },
        { stdout: "before\n", stderr: "", exitCode: 1 },
        { stdout: "secret is unset\n", stderr: "", exitCode: 3 },
        // Bash read the whole joined script before running it: nothing of it is left on stdin.
        { stdout: "stdin held 0 bytes\n", stderr: "", exitCode: 0 },
    ]);
});

test("the joined step is named by its steps and takes the sum of their time limits and output bounds", (t) => {
    const { step: joined } = joinSteps([step("read host facts", "true", { timeoutSeconds: 60, maxOutputBytes: 1000 }), step("read MPTCP endpoints", "true", { timeoutSeconds: 30.5, maxOutputBytes: 500 })]);
    t.is(joined.host, "client");
    t.is(joined.step, "read host facts, read MPTCP endpoints");
    t.is(joined.timeoutSeconds, 91);
    t.is(joined.maxOutputBytes, 1500);
    // A step without a bound leaves the whole without one; one without a time limit counts its default.
    const unbounded = joinSteps([step("a", "true", { maxOutputBytes: 10, timeoutSeconds: 10 }), step("b", "true")]).step;
    t.is(unbounded.maxOutputBytes, undefined);
    t.is(unbounded.timeoutSeconds, 610);
});

test("a joined script that stopped before a boundary gives no results", (t) => {
    const joined = joinSteps([step("first", "echo one\n"), step("second", "echo two\n")]);
    const whole = runBash(joined.step.script);
    t.truthy(splitJoinedResult(whole, joined));
    const cut = whole.stdout.slice(0, whole.stdout.lastIndexOf(joined.boundary));
    t.is(splitJoinedResult({ ...whole, stdout: cut }, joined), undefined);
    // A step cannot end another by printing a boundary of its own: each join has a new one.
    t.not(joinSteps([step("first", "true")]).boundary, joined.boundary);
});

test("a step that does not parse fails the joined script before any step runs", (t) => {
    const joined = joinSteps([step("good", "echo ran\n"), step("broken", "if then\n")]);
    const whole = runBash(joined.step.script);
    t.not(whole.exitCode, 0);
    t.false(whole.stdout.includes("ran"));
    t.is(splitJoinedResult(whole, joined), undefined);
});
