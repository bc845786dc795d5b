// The failover test's run is found in the stack's exported state, not rebuilt from names.
import test from "ava";
import type { Deployment } from "@pulumi/pulumi/automation";
import { FAILOVER_RUN_TYPE, failoverRunUrn, NoFailoverRunError } from "../../cli/lab-stacks";

/** A stack whose exportStack returns these resources (the shape of a v3 deployment). */
const stackWith = (resources: readonly Record<string, unknown>[] | undefined) => ({
    name: "t-lab",
    exportStack: async (): Promise<Deployment> => ({ version: 3, deployment: resources === undefined ? {} : { manifest: {}, resources } }),
});

const RUN_URN = `urn:pulumi:t-lab::mptcp-lab::mptcp-lab:lab:FailoverTest$${FAILOVER_RUN_TYPE}::failover-run`;

test("the run's URN is the one the state records", async (t) => {
    const stack = stackWith([
        { urn: "urn:pulumi:t-lab::mptcp-lab::pulumi:pulumi:Stack::mptcp-lab-t-lab", type: "pulumi:pulumi:Stack" },
        { urn: "urn:pulumi:t-lab::mptcp-lab::mptcp-lab:lab:FailoverTest::failover", type: "mptcp-lab:lab:FailoverTest" },
        { urn: RUN_URN, type: FAILOVER_RUN_TYPE },
    ]);
    t.is(await failoverRunUrn(stack), RUN_URN);
});

test("a URN under another parent is found all the same", async (t) => {
    const moved = `urn:pulumi:t-lab::mptcp-lab::mptcp-lab:lab:Lab$mptcp-lab:lab:FailoverTest$${FAILOVER_RUN_TYPE}::failover-run`;
    t.is(await failoverRunUrn(stackWith([{ urn: moved, type: FAILOVER_RUN_TYPE }])), moved);
});

const noRun = test.macro({
    async exec(t, resources: readonly Record<string, unknown>[] | undefined) {
        const error = await t.throwsAsync(failoverRunUrn(stackWith(resources)), { instanceOf: NoFailoverRunError });
        t.is(error?.code, "no-failover-run");
        t.regex(error?.hint ?? "", /mptcp-lab up --stack t-lab/);
    },
    title: (provided = "") => provided,
});

test("a stack never brought up has no run to re-run", noRun, undefined);
test("a stack without the failover test's run has no run to re-run", noRun, [{ urn: "urn:pulumi:t-lab::mptcp-lab::pulumi:pulumi:Stack::x", type: "pulumi:pulumi:Stack" }]);
