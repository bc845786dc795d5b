// `mptcp-lab drift` without hosts: a stack's state, lab and reads given by the test; how failures
// become errors (never drift), how many stacks run at once, and the usage errors.
import test from "ava";
import { PassThrough } from "stream";
import { EXIT_USAGE } from "../../cli/command";
import { checkStackDrift, checkStacksDrift, type DriftSources } from "../../cli/drift";
import type { DriftErrorCode } from "../../cli/drift-report";
import { main } from "../../cli/main";
import { forEngine } from "../../errors";
import { LabError } from "../../lab";
import { RemoteStepError } from "../../remote/ssh";
import { clientTable, connectionOf, type FakeHost, fakeSources, seedLimits } from "./helpers/drift-sources";

const bootId = "47095524-4651-4625-b49a-27fb72aa4b47";
const healthy = { mptcpEnabled: true, persisted: true };
const lostEndpoints: FakeHost = { name: "client", declared: clientTable, live: healthy, bootIdAtLastUp: bootId, table: { endpoints: [], limits: seedLimits } };
const keptEndpoints: FakeHost = { ...lostEndpoints, table: clientTable };

test("the hosts are read with the connection the state recorded, its secret revealed, and compared with the lab", async (t) => {
    const reads: { id: string; connection: unknown }[] = [];
    const stack = await checkStackDrift("t-unit", fakeSources([lostEndpoints], {}, reads));
    t.is(stack.status, "drift");
    t.deepEqual(reads.map((read) => read.id).sort(), ["host-state/client", "mptcp-endpoints/client"]);
    t.deepEqual(reads[0].connection, connectionOf("client"));
});

/** A provider's read error as the provider module throws it (its operations are coded, errors/). */
const providerError = (error: Error) => forEngine(error) as Error;

const failure = test.macro({
    async exec(t, sources: DriftSources, code: DriftErrorCode) {
        const stack = await checkStackDrift("t-unit", sources);
        t.is(stack.status, "error");
        t.is(stack.error?.code, code);
        t.deepEqual(stack.hosts, [], "what was seen before the failure is not reported");
    },
    title: (title = "") => title,
});
const unreachable = providerError(new RemoteStepError("ssh-connect", "server", "read host facts", "cannot connect to root@198.19.6.11:22: connect ECONNREFUSED"));
test("an unreachable host is an error even when another host drifted", failure, fakeSources([lostEndpoints, { ...keptEndpoints, name: "server", failure: unreachable }]), "host-unreachable");
test(
    "a host that presents another key is a host-key mismatch, known by its code",
    failure,
    fakeSources([{ ...keptEndpoints, failure: providerError(new RemoteStepError("ssh-host-key", "client", "read host facts", "the key differs")) }]),
    "host-key-mismatch",
);
test("a stack an engine is updating is busy, and its hosts are not read", failure, fakeSources([lostEndpoints], { busy: () => true, readHostState: () => Promise.reject(new Error("read")) }), "stack-busy");
test("a stack that was never deployed is not-deployed", failure, fakeSources([lostEndpoints], { exportState: async () => undefined }), "not-deployed");
test("a state that cannot be exported (a wrong passphrase) is an error of its own", failure, fakeSources([lostEndpoints], { exportState: () => Promise.reject(new Error("pulumi stack export: error: incorrect passphrase")) }), "check-failed");

test("a check error names the provider's code, host and step", async (t) => {
    const error = providerError(new RemoteStepError("remote-step-failed", "client", "read MPTCP endpoints", "exited with 1: Error: unknown command"));
    const stack = await checkStackDrift("t-unit", fakeSources([{ ...keptEndpoints, failure: error }]));
    t.like(stack.error, { code: "check-failed", reason: "remote-step-failed", host: "client", step: "read MPTCP endpoints", message: "client: read MPTCP endpoints: exited with 1: Error: unknown command" });
});

test("a lab that does not validate is a check error that names the stack file", async (t) => {
    const invalid = new LabError([{ code: "schema", severity: "error", message: "subflows must be at most 8", file: "stacks/Pulumi.t-unit.yaml", line: 12 } as never]);
    const stack = await checkStackDrift("t-unit", fakeSources([lostEndpoints], { lab: () => { throw invalid; } }));
    t.is(stack.error?.code, "check-failed");
    t.regex(stack.error?.message ?? "", /Pulumi\.t-unit\.yaml is not valid/);
});

test("stacks are checked at most N at a time and reported in the order given", async (t) => {
    let running = 0;
    let most = 0;
    const names = ["a", "b", "c", "d", "e"];
    // One host per stack, named after it; only stack b's host lost its endpoints.
    const all = fakeSources(names.map((name) => ({ ...(name === "b" ? lostEndpoints : keptEndpoints), name: `${name}-host` })));
    const sources: DriftSources = {
        ...all,
        exportState: async (name) => {
            running += 1;
            most = Math.max(most, running);
            await new Promise((resolve) => setImmediate(resolve));
            running -= 1;
            const { deployment } = (await all.exportState(name))! as { deployment: { resources: { outputs: { hostName: string } }[] } };
            return { deployment: { resources: deployment.resources.filter((resource) => resource.outputs.hostName === `${name}-host`) } };
        },
    };
    const report = await checkStacksDrift(names, 2, sources);
    t.is(most, 2);
    t.deepEqual(report.stacks.map((stack) => stack.stack), names);
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
