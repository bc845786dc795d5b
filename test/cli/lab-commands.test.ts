import test from "ava";
import { Writable } from "node:stream";
import { UsageError } from "../../cli/command";
import { failoverSummary, testCommand, upCommand } from "../../cli/lab-commands";
import { REPEAT_ENVIRONMENT_VARIABLE, repeatFromEnvironment, spreadOf } from "../../failover";
import { recordedFailover } from "../report/fixture";

const io = () => ({ stdout: new Writable({ write: (_chunk, _encoding, done) => done() }), stderr: new Writable({ write: (_chunk, _encoding, done) => done() }), environment: {} });

const refused = test.macro({
    async exec(t, command: typeof upCommand, args: string[]) {
        const error = await t.throwsAsync(command.run(args, io()));
        t.true(error instanceof UsageError, String(error));
        t.is(process.env[REPEAT_ENVIRONMENT_VARIABLE], undefined);
    },
    title: (providedTitle = "") => providedTitle,
});

test.serial("--repeat belongs to test, not up", refused, upCommand, ["--repeat", "3"]);
test.serial("--repeat 0 is wrong usage", refused, testCommand, ["--repeat", "0"]);
test.serial("--repeat above 50 is wrong usage", refused, testCommand, ["--repeat", "51"]);

test("the program takes the number of runs from the environment, else from the lab", (t) => {
    t.is(repeatFromEnvironment({}, 3), 3);
    t.is(repeatFromEnvironment({ [REPEAT_ENVIRONMENT_VARIABLE]: "5" }, 1), 5);
    t.throws(() => repeatFromEnvironment({ [REPEAT_ENVIRONMENT_VARIABLE]: "2.5" }, 1), { instanceOf: RangeError });
    t.throws(() => repeatFromEnvironment({ [REPEAT_ENVIRONMENT_VARIABLE]: "0" }, 1), { instanceOf: RangeError });
});

test("the summary of a repeated test adds each figure's median, p95, min and max", (t) => {
    const failover = recordedFailover();
    const runs = [failover.mptcp, failover.mptcp, failover.mptcp];
    const control = failover.control ?? undefined;
    const spread = { mptcp: spreadOf(runs), ...(control ? { control: spreadOf([control, control, control]) } : {}) };
    const lines = failoverSummary("emulated", { failover: { value: { ...failover, spread }, secret: false } }, false).split("\n");
    t.true(lines.some((line) => /^MPTCP over 3 runs \(3 survived\) +median +p95 +min +max$/.test(line)), lines.join("\n"));
    t.true(lines.some((line) => /^Surviving rate +187 Mbits\/sec +187 Mbits\/sec +187 Mbits\/sec +187 Mbits\/sec$/.test(line)));
    t.true(lines.some((line) => /^Recovery \(base\) +never +never +never +never$/.test(line)));
    t.true(lines.some((line) => line.startsWith("Plain-TCP control over 3 runs")));
});

test("the summary of a single run has no spread", (t) => {
    const text = failoverSummary("emulated", { failover: { value: recordedFailover(), secret: false } }, false);
    t.notRegex(text, /over \d+ runs/);
    t.regex(text, /^Surviving rate {4}187 Mbits\/sec/m);
});
