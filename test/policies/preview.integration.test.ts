// The pack through the real engine: `pulumi preview --policy-pack policies` of two projects built
// from the real components, one that breaks policies on purpose and one that keeps them all. A
// preview of a fresh stack calls only the providers' `check`; nothing connects to the hosts.
import test, { type ExecutionContext } from "ava";
import * as path from "path";
import type { EngineEvent, PolicyEvent, PreviewResult, SummaryEvent } from "@pulumi/pulumi/automation";
import { openStack } from "../../toolchain/workspace";
import { policiesDir } from "./helpers/policy-args";
import { inCi, policyPackPrerequisiteProblems } from "./helpers/prerequisites";

const projectsDir = path.resolve(__dirname, "../fixtures/policy-projects");
const missing = policyPackPrerequisiteProblems();
const skipped = missing.length > 0 && !inCi;
if (skipped) console.warn(`policy-pack previews skipped: ${missing.join("; ")}`);

/** Skipped, visibly and with the reason, only outside CI. Under CI it runs whatever is missing, so
 *  that it fails with the engine's own error, logged beside what is missing. */
function previewTest(title: string, body: (t: ExecutionContext) => Promise<void>): void {
    (skipped ? test.serial.skip : test.serial)(title, async (t) => {
        if (missing.length > 0) t.log(`missing prerequisites: ${missing.join("; ")}`);
        await body(t);
    });
}

interface PolicyPreview {
    readonly violations: PolicyEvent[];
    readonly summary: SummaryEvent | undefined;
    readonly result?: PreviewResult;
    readonly error?: Error;
}

async function previewWithPolicies(t: ExecutionContext, project: string): Promise<PolicyPreview> {
    const stack = await openStack({ workDir: path.join(projectsDir, project), stackName: `${project}-${process.pid}` });
    t.teardown(() => stack.workspace.removeStack(stack.name));
    const violations: PolicyEvent[] = [];
    let summary: SummaryEvent | undefined;
    const onEvent = (event: EngineEvent) => {
        if (event.policyEvent) violations.push(event.policyEvent);
        if (event.summaryEvent) summary = event.summaryEvent;
    };
    let outcome: { result: PreviewResult } | { error: Error };
    try {
        outcome = { result: await stack.preview({ policyPacks: [policiesDir], onEvent }) };
    } catch (error) {
        outcome = { error: error as Error };
    }
    return { violations, summary, ...outcome };
}

/** The names of the policy packs the summary lists. The engine writes the field in PascalCase,
 *  whatever the SDK's type says, and keys it `name|local|path`. */
function packsRun(summary: SummaryEvent | undefined): string[] {
    const packs = (summary as { PolicyPacks?: Record<string, string> } | undefined)?.PolicyPacks ?? {};
    return Object.keys(packs).map((key) => key.split("|")[0]);
}

/** `policy level Type name` of each violation, sorted, e.g. `host-keys-pinned mandatory HostState server-state`. */
function describeViolations(violations: readonly PolicyEvent[]): string[] {
    return violations
        .map((violation) => {
            const [types = "", name = ""] = (violation.resourceUrn ?? "").split("::").slice(-2);
            return `${violation.policyName} ${violation.enforcementLevel} ${types.split(":").pop()} ${name}`;
        })
        .sort();
}

previewTest("a lab that keeps every policy previews with the pack and no violation", async (t) => {
    const preview = await previewWithPolicies(t, "clean");
    t.is(preview.error, undefined, preview.error?.message);
    t.deepEqual(describeViolations(preview.violations), []);
    t.deepEqual(packsRun(preview.summary), ["mptcp-lab"], "the summary lists the pack as run");
});

previewTest("a lab that breaks policies fails the preview with each rule's message", async (t) => {
    const preview = await previewWithPolicies(t, "violating");
    t.truthy(preview.error, "mandatory violations fail the preview");
    t.deepEqual(describeViolations(preview.violations), [
        "endpoint-roles-follow-protocol advisory MptcpEndpointState client-endpoints-state",
        "host-keys-pinned mandatory Command server-headers-install",
        "host-keys-pinned mandatory Command server-iperf3-install",
        "host-keys-pinned mandatory FailoverTestRun failover-run",
        "host-keys-pinned mandatory HostState server-state",
        "host-keys-pinned mandatory MptcpEndpointState server-endpoints-state",
        "iperf3-pinned-to-tag mandatory Iperf3 client-iperf3",
        "iperf3-pinned-to-tag mandatory Iperf3 server-iperf3",
        "limits-cover-endpoints mandatory MptcpEndpointState server-endpoints-state",
    ]);
    const limits = preview.violations.find((violation) => violation.policyName === "limits-cover-endpoints");
    t.true(limits?.message.includes("limits.subflows 0 on host server (role server) is below 1"), limits?.message);
    t.true(preview.error?.message.includes("limits.subflows 0 on host server (role server) is below 1"), "the CLI prints the rule's message");
});
