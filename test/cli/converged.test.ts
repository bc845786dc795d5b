// `up` without the engine: when the program's inputs, the state and what a refresh would read are
// all as the last successful `up` left them, and only then.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkConverged, forgetConverged, programInputsDigest, recordConverged, stateDigest } from "../../cli/converged";

const stateHome = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-converged-"));
process.env.XDG_STATE_HOME = stateHome;
test.after.always(() => fs.rmSync(stateHome, { recursive: true, force: true }));

const hostStateType = "pulumi-nodejs:dynamic/mptcp-lab:HostState";
const hostOutputs = { __provider: "shim text", hostName: "client", mptcpEnabled: true, persisted: true, facts: { bootId: "b1" } };

function exported(outputs: Record<string, unknown> = hostOutputs, extra: Record<string, unknown> = {}) {
    return {
        deployment: {
            resources: [
                { urn: "urn:pulumi:t::mptcp-lab::pulumi:pulumi:Stack::mptcp-lab-t", type: "pulumi:pulumi:Stack", outputs: { failover: { runId: "r1" } } },
                { urn: "urn:pulumi:t::mptcp-lab::pulumi:providers:command::default", type: "pulumi:providers:command", id: "p", outputs: {} },
                { urn: "urn:pulumi:t::mptcp-lab::command:remote:Command::client-iperf3-install", type: "command:remote:Command", id: "c", outputs: { stdout: "" } },
                { urn: `urn:pulumi:t::mptcp-lab::${hostStateType}::client-state`, type: hostStateType, id: "host-state/client", outputs },
            ],
            ...extra,
        },
    };
}

/** A HostState read that returns what the host has now: the SDK's host adds `__provider` back. */
const reading = (now: Record<string, unknown>) => ({ [hostStateType]: () => async () => ({ props: { ...now, __provider: undefined } }) });

async function recorded(stack: string, state = exported()) {
    const inputs = programInputsDigest(stack);
    await recordConverged(stack, inputs, async () => state);
    return inputs;
}

test.serial("a stack whose state, program and hosts are as the last up left them is converged, with the recorded outputs", async (t) => {
    const inputs = await recorded("emulated");
    const check = await checkConverged("emulated", inputs, { export: async () => exported(), readers: reading(hostOutputs) });
    t.deepEqual(check, { converged: true, outputs: { failover: { runId: "r1" } } });
});

const notConverged = test.macro({
    async exec(t, setUp: (inputs: string) => Parameters<typeof checkConverged>[2] & { inputs?: string }, reason: RegExp) {
        const inputs = await recorded("emulated");
        const sources = setUp(inputs);
        const check = await checkConverged("emulated", sources.inputs ?? inputs, sources);
        t.false(check.converged);
        t.regex((check as { reason: string }).reason, reason);
    },
    title: (title = "") => title,
});
test.serial("a host whose MPTCP was switched off is not converged: the refresh would change it", notConverged, () => ({ export: async () => exported(), readers: reading({ ...hostOutputs, mptcpEnabled: false }) }), /refresh would change client-state/);
test.serial("a rebooted host (a new boot id) is not converged", notConverged, () => ({ export: async () => exported(), readers: reading({ ...hostOutputs, facts: { bootId: "b2" } }) }), /refresh would change client-state/);
test.serial("a state changed since the last up (test, refresh, a failed run) is not converged", notConverged, () => ({ export: async () => exported({ ...hostOutputs, persisted: false }), readers: reading(hostOutputs) }), /state changed/);
test.serial("a program or stack file changed since the last up is not converged", notConverged, () => ({ export: async () => exported(), readers: reading(hostOutputs), inputs: "0".repeat(64) }), /program, the stack file or the environment changed/);
test.serial("a stack that is no longer deployed is not converged", notConverged, () => ({ export: async () => undefined, readers: reading(hostOutputs) }), /not deployed/);
test.serial("a resource type without a known refresh is not converged", async (t) => {
    const state = exported();
    (state.deployment.resources as { type: string; urn: string }[]).push({ type: "some:new:Thing", urn: "urn:pulumi:t::mptcp-lab::some:new:Thing::x" });
    const inputs = await recorded("emulated", state);
    const check = await checkConverged("emulated", inputs, { export: async () => state, readers: reading(hostOutputs) });
    t.deepEqual(check, { converged: false, reason: "urn:pulumi:t::mptcp-lab::some:new:Thing::x has no known refresh" });
});

test.serial("a state with pending operations is not converged", async (t) => {
    const state = exported(hostOutputs, { pending_operations: [{ type: "creating" }] });
    const inputs = await recorded("emulated", state);
    const check = await checkConverged("emulated", inputs, { export: async () => state, readers: reading(hostOutputs) });
    t.deepEqual(check, { converged: false, reason: "the state has pending operations" });
});

test.serial("without a record, or after a destroy forgot it, the engine runs", async (t) => {
    const inputs = await recorded("emulated");
    forgetConverged("emulated");
    const check = await checkConverged("emulated", inputs, { export: async () => exported(), readers: reading(hostOutputs) });
    t.deepEqual(check, { converged: false, reason: "no converged up recorded" });
});

test.serial("a run whose program's inputs changed while it ran records nothing", async (t) => {
    await recordConverged("emulated", "0".repeat(64), async () => exported());
    const check = await checkConverged("emulated", programInputsDigest("emulated"), { export: async () => exported(), readers: reading(hostOutputs) });
    t.false(check.converged);
});

test.serial("an export that fails after a successful up leaves no record, and does not fail the up", async (t) => {
    await recorded("emulated");
    await t.notThrowsAsync(recordConverged("emulated", programInputsDigest("emulated"), () => Promise.reject(new Error("pulumi stack export: error: incorrect passphrase"))));
    const check = await checkConverged("emulated", programInputsDigest("emulated"), { export: async () => exported(), readers: reading(hostOutputs) });
    t.deepEqual(check, { converged: false, reason: "no converged up recorded" });
});

function scratchRepository(t: { teardown: (fn: () => void) => void }): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-inputs-"));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    for (const [file, text] of Object.entries({ "index.ts": "program", "components/a.ts": "a", "stacks/Pulumi.s.yaml": "lab", "stacks/Pulumi.other.yaml": "x", "test/a.test.ts": "t", "docs/a.md": "d" })) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
    }
    return root;
}

test("the program's inputs digest follows the sources, the stack file and the MPTCP_LAB_ settings", (t) => {
    const root = scratchRepository(t);
    const environment = { HOME: "/root", MPTCP_LAB_FAILOVER_REPEAT: "3" };
    const before = programInputsDigest("s", environment, root);
    fs.writeFileSync(path.join(root, "components/a.ts"), "a changed");
    const afterSource = programInputsDigest("s", environment, root);
    t.not(afterSource, before);
    fs.writeFileSync(path.join(root, "stacks/Pulumi.s.yaml"), "lab changed");
    const afterStack = programInputsDigest("s", environment, root);
    t.not(afterStack, afterSource);
    t.not(programInputsDigest("s", { ...environment, MPTCP_LAB_FAILOVER_REPEAT: "5" }, root), afterStack);
});

test("the digest ignores the tests, the docs, other stacks' files, installed packages and each run's own mark", (t) => {
    const root = scratchRepository(t);
    const before = programInputsDigest("s", { HOME: "/root" }, root);
    // policies/ installs its own packages: 100 MiB that the lock file already stands for.
    fs.mkdirSync(path.join(root, "policies/node_modules/a-package"), { recursive: true });
    fs.writeFileSync(path.join(root, "policies/node_modules/a-package/index.js"), "installed");
    fs.writeFileSync(path.join(root, "test/a.test.ts"), "t changed");
    fs.writeFileSync(path.join(root, "docs/a.md"), "d changed");
    fs.writeFileSync(path.join(root, "stacks/Pulumi.other.yaml"), "x changed");
    t.is(programInputsDigest("s", { HOME: "/root", MPTCP_LAB_RUN: "run-1" }, root), before);
});

test("the state digest does not depend on the order of an object's keys", (t) => {
    const a = { deployment: { resources: [{ urn: "u", outputs: { a: 1, b: 2 } }] } };
    const b = { deployment: { resources: [{ outputs: { b: 2, a: 1 }, urn: "u" }] } };
    t.is(stateDigest(a), stateDigest(b));
    t.not(stateDigest(a), stateDigest({ deployment: { resources: [{ urn: "u", outputs: { a: 1, b: 3 } }] } }));
});
