// The lab stacks in stacks/ as the Automation API sees them, and the steps of an update that the
// command line reports (bench, host, headers, iperf3, endpoints, failover test).
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { repositoryRoot } from "../toolchain";
import { openStack, selectStack } from "../toolchain/workspace";

export function openLabStack(name: string): Promise<Stack> {
    return openStack({ workDir: repositoryRoot, stackName: name });
}

/** Selects a stack that exists; unlike openLabStack it never creates one (it throws StackNotFoundError). */
export function selectExistingLabStack(name: string): Promise<Stack> {
    return selectStack({ workDir: repositoryRoot, stackName: name });
}

/** The failover test's run as the engine records its type (a dynamic resource of type FailoverTestRun). */
export const FAILOVER_RUN_TYPE = "pulumi-nodejs:dynamic/mptcp-lab:FailoverTestRun";

const stepOfType: Readonly<Record<string, string>> = {
    "pulumi-nodejs:dynamic/mptcp-lab:BenchInstance": "bench",
    "pulumi-nodejs:dynamic/mptcp-lab:HostState": "host",
    "mptcp-lab:host:KernelHeaders": "headers",
    "mptcp-lab:host:Iperf3": "iperf3",
    "pulumi-nodejs:dynamic/mptcp-lab:MptcpEndpointState": "endpoints",
    [FAILOVER_RUN_TYPE]: "failover test",
};

/** A one-line description of an engine event worth showing, or undefined. */
export function describeEngineEvent(event: EngineEvent): string | undefined {
    const pre = event.resourcePreEvent?.metadata;
    const done = event.resOutputsEvent?.metadata;
    const failed = event.resOpFailedEvent?.metadata;
    const metadata = pre ?? done ?? failed;
    if (!metadata || ["same", "read", "refresh"].includes(metadata.op)) return undefined;
    // A remote command's step is its parent component's (the type just before it in the URN).
    const types = metadata.urn.split("::")[2]?.split("$") ?? [];
    const step = stepOfType[metadata.type] ?? (metadata.type === "command:remote:Command" ? stepOfType[types[types.length - 2] ?? ""] : undefined);
    if (!step) return undefined;
    const name = metadata.urn.split("::").pop() ?? "";
    const state = failed ? "failed" : done ? "done" : "running";
    return `${step}: ${name} ${metadata.op} ${state}`;
}

/** A stack without a failover test to re-run: `mptcp-lab test` before the first `up`. */
export class NoFailoverRunError extends Error {
    readonly code = "no-failover-run";
    readonly hint: string;
    constructor(readonly stackName: string) {
        super(`stack ${stackName} has no failover test run in its state`);
        this.name = "NoFailoverRunError";
        this.hint = `create it first with \`mptcp-lab up --stack ${stackName}\``;
    }
}

/**
 * The URN of the failover test's run, for `mptcp-lab test` (replace that one resource), as the
 * stack's state records it (the Automation API's exportStack): not rebuilt from names and types.
 */
export async function failoverRunUrn(stack: Pick<Stack, "name" | "exportStack">): Promise<string> {
    const { deployment } = await stack.exportStack();
    const resources = ((deployment as { resources?: unknown } | undefined)?.resources ?? []) as readonly { urn?: unknown; type?: unknown }[];
    const run = resources.find((resource) => resource.type === FAILOVER_RUN_TYPE && typeof resource.urn === "string");
    if (!run) throw new NoFailoverRunError(stack.name);
    return run.urn as string;
}
