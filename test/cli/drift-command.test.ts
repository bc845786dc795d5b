// `mptcp-lab drift` without an engine: stacks whose preview is played back from recorded events,
// how failures become errors (never drift), how many stacks run at once, and the usage errors.
import test from "ava";
import { PassThrough } from "stream";
import { type EngineEvent, type PreviewOptions, type Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { EXIT_USAGE } from "../../cli/command";
import { checkStackDrift, checkStacksDrift } from "../../cli/drift";
import type { DriftErrorCode } from "../../cli/drift-report";
import { main } from "../../cli/main";
import { forEngine } from "../../errors";
import { RemoteStepError } from "../../remote/ssh";
import { clientTable, endpointStep, engineError, hostRefresh, hostStep } from "./helpers/drift-events";

const bootId = "47095524-4651-4625-b49a-27fb72aa4b47";
const lostEndpoints = [hostRefresh("client", bootId, bootId), hostStep("client", { mptcpEnabled: true, persisted: true }), endpointStep("client", clientTable, { ...clientTable, endpoints: [] })];

/** A stack whose preview replays `events`, then fails with `failure` if given. */
function recordedStack(events: EngineEvent[], failure?: Error, seen: PreviewOptions[] = []): Stack {
    const preview = async (options: PreviewOptions) => {
        seen.push(options);
        events.forEach((event) => options.onEvent?.(event));
        if (failure) throw failure;
        return { stdout: "", stderr: "", changeSummary: {} };
    };
    return { preview } as unknown as Stack;
}

test("a refresh preview limited to the hosts' resources decides the stack's drift", async (t) => {
    const seen: PreviewOptions[] = [];
    const stack = await checkStackDrift("t-unit", async () => recordedStack(lostEndpoints, undefined, seen));
    t.is(stack.status, "drift");
    t.like(seen[0], { refresh: true, color: "never" });
    t.is(seen[0].target?.length, 2);
});

const failure = test.macro({
    async exec(t, events: EngineEvent[], error: Error, code: DriftErrorCode) {
        const stack = await checkStackDrift("t-unit", async () => recordedStack(events, error));
        t.is(stack.status, "error");
        t.is(stack.error?.code, code);
        t.deepEqual(stack.hosts, [], "what was seen before the failure is not reported");
    },
    title: (title = "") => title,
});
/** The engine's diagnostic for a provider that threw `error` (as test/fixtures/engine-errors.json shows it). */
const providerDiagnostic = (error: Error) => `Preview failed: ${(forEngine(error) as Error).message}`;
test(
    "an unreachable host is an error even after drift was seen on another",
    failure,
    [...lostEndpoints, engineError(providerDiagnostic(new RemoteStepError("ssh-connect", "server", "read host facts", "cannot connect to root@198.19.6.11:22: connect ECONNREFUSED")), "urn:server")],
    new Error("preview failed"),
    "host-unreachable",
);
test(
    "a host that presents another key is a host-key mismatch, known by its code",
    failure,
    [engineError(providerDiagnostic(new RemoteStepError("ssh-host-key", "server", "read host facts", "the key differs")), "urn:server")],
    new Error("preview failed"),
    "host-key-mismatch",
);
test("the engine's own words for a locked stack make it busy", failure, [engineError("the stack is currently locked by 1 lock(s)")], new Error("preview failed"), "stack-busy");

test("a check error names the provider's code, host and step", async (t) => {
    const events = [engineError(providerDiagnostic(new RemoteStepError("remote-step-failed", "client", "read MPTCP endpoints", "exited with 1: Error: unknown command")), "urn:client")];
    const stack = await checkStackDrift("t-unit", async () => recordedStack(events, new Error("preview failed")));
    t.like(stack.error, { code: "check-failed", reason: "remote-step-failed", host: "client", step: "read MPTCP endpoints", message: "client: read MPTCP endpoints: exited with 1: Error: unknown command" });
});
test("a failed preview without a resource error is an error of its own", failure, [], new Error("code: 255\n stderr: error: could not load plugin"), "check-failed");

test("a stack that was never deployed is not created by the check", async (t) => {
    const stack = await checkStackDrift("t-unit", async () => {
        throw Object.create(StackNotFoundError.prototype, { message: { value: "no stack named 't-unit' found" } }) as Error;
    });
    t.is(stack.error?.code, "not-deployed");
});

test("stacks are checked at most N at a time and reported in the order given", async (t) => {
    let running = 0;
    let most = 0;
    const open = async (name: string) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return recordedStack(name === "b" ? lostEndpoints : lostEndpoints.slice(0, 2));
    };
    const report = await checkStacksDrift(["a", "b", "c", "d", "e"], 2, open);
    t.is(most, 2);
    t.deepEqual(report.stacks.map((stack) => stack.stack), ["a", "b", "c", "d", "e"]);
    t.deepEqual(report.stacks.map((stack) => stack.status), ["clean", "drift", "clean", "clean", "clean"]);
});

function capture() {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let errors = "";
    stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    return { io: { stdout, stderr, environment: {} }, errors: () => errors };
}

const usage = test.macro({
    async exec(t, argv: string[], message: RegExp) {
        const output = capture();
        t.is(await main(argv, output.io), EXIT_USAGE);
        t.regex(output.errors(), message);
    },
    title: (_title, argv: string[]) => `mptcp-lab ${argv.join(" ")} is a usage error`,
});
test(usage, ["drift", "--concurrency", "0"], /--concurrency takes 1 to 99/);
test(usage, ["drift", "--all", "--stack", "emulated"], /give --stack or --all, not both/);
test(usage, ["drift", "--stack", "no-such-stack"], /no stack "no-such-stack" in stacks\//);
test(usage, ["drift", "--colour"], /Unknown option '--colour'/);
