// Two lab stacks updated at once, each with its own emulated bench and its own provider process:
// their failover tests still run one after the other (the machine-wide lock in the provider).
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import type { UpResult } from "@pulumi/pulumi/automation";
import { createTestStack, type TestStack } from "./lab-harness";

const stacks: TestStack[] = [];

test.after.always(async () => {
    await Promise.all(stacks.map((stack) => stack.cleanup()));
});

/** The run's start (its id is the ISO time the test began, after taking the lock). */
function startOf(runId: string): number {
    const match = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z$/.exec(runId);
    if (!match) throw new Error(`not a run id: ${runId}`);
    return Date.parse(`${match[1]}:${match[2]}:${match[3]}.${match[4]}Z`);
}

/** When the run's last result file was saved on this machine, inside the lock. */
function endOf(resultsDir: string): number {
    const times = ["mptcpize", "native", "tcp"].flatMap((mode) => {
        const dir = path.join(resultsDir, mode);
        return fs.existsSync(dir) ? fs.readdirSync(dir).map((file) => fs.statSync(path.join(dir, file)).mtimeMs) : [];
    });
    if (times.length === 0) throw new Error(`no result files in ${resultsDir}`);
    return Math.max(...times);
}

test("failover tests of stacks updated at once run one after the other", async (t) => {
    for (const [name, index] of [["t-class-lock1", 24], ["t-class-lock2", 25]] as const) stacks.push(await createTestStack({ name, index }, (line) => t.log(line)));
    const results: UpResult[] = await Promise.all(stacks.map((testStack) => testStack.stack.up()));
    const runs = results
        .map((result) => result.outputs.failover.value as { runId: string; resultsDir: string })
        .map((failover) => ({ start: startOf(failover.runId), end: endOf(failover.resultsDir) }))
        .sort((a, b) => a.start - b.start);
    t.log(`runs: ${runs.map((run) => `${new Date(run.start).toISOString()} .. ${new Date(run.end).toISOString()}`).join(", ")}`);
    t.true(runs[0].end > runs[0].start);
    t.true(runs[1].start >= runs[0].end, "the second test started before the first one had finished");
});
