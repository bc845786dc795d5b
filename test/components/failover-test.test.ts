// What re-runs the failover test: the run's inputs under Pulumi's mocks carry the runner's declared
// version, not its text, and the provider's diff re-runs for what changes the experiment only.
import test from "ava";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";

const registered = new Map<string, Record<string, unknown>>();

// setMocks does its work before returning; its promise carries nothing.
void pulumi.runtime.setMocks(
    {
        newResource(args: pulumi.runtime.MockResourceArgs) {
            const inputs = Object.fromEntries(Object.entries(args.inputs).filter(([key]) => key !== "__provider"));
            registered.set(args.name, inputs);
            return { id: `${args.name}-id`, state: { ...inputs, facts: { kernelRelease: "6.12.47+rpt-rpi-v8" } } };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            throw new Error(`unexpected call ${args.token}`);
        },
    },
    "mptcp-lab",
    "unit",
    false,
);

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm8n1Yq5n4u2n3p6ZkR1cQ3T8P0Y2l1xq3p2b9kq0rS";
const connection = (address: string) => ({ address, port: 22, user: "pi", privateKey: pulumi.secret("PRIVATE KEY"), hostKey });

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

let runInputs: Record<string, unknown> = {};

test.before(async () => {
    // Mocks are set before the components are imported, as Pulumi's testing guide requires.
    const { RaspberryPi } = await import("../../components/raspberry-pi");
    const { FailoverTest } = await import("../../components/failover-test");
    const client = new RaspberryPi("client", { connection: connection("172.31.0.133") });
    const server = new RaspberryPi("server", { connection: connection("172.31.0.218") });
    const failover = new FailoverTest("failover", {
        client,
        server,
        serverAddress: "172.31.0.218",
        failingHost: "client",
        failingInterface: "wlan0",
        failingAddress: "172.31.0.173",
        durationSeconds: 10,
        intervalSeconds: 0.1,
        downAtSeconds: 3,
        direction: "forward",
        control: true,
        mptcp: "native",
        dependencies: { iperf3: "3.21" },
        runToken: "1",
        resultsRoot: "/tmp/mptcp-lab-results",
    });
    await valueOf(failover.runId);
    runInputs = registered.get("failover-run") ?? {};
});

test("the test run is keyed on the declared runner version, not on the runner script's text", async (t) => {
    const { RUNNER_VERSION } = await import("../../failover");
    t.is(runInputs.runnerVersion, RUNNER_VERSION);
    t.false("runner" in runInputs);
    const script = fs.readFileSync((await import("../../failover")).runnerScriptPath, "utf8");
    const firstCodeLine = script.split("\n").find((line) => line.startsWith("set -"));
    t.truthy(firstCodeLine);
    t.false(Object.values(runInputs).some((value) => typeof value === "string" && value.includes(firstCodeLine!)), "no input holds the script");
});

test("the test run carries the experiment's inputs and the provider's version", (t) => {
    t.like(runInputs, { failingHost: "client", failingInterface: "wlan0", durationSeconds: 10, downAtSeconds: 3, failback: "stay", repeat: 1, runToken: "1" });
    t.is(typeof runInputs.providerVersion, "string");
});

/** Inputs as the provider sees them (the hosts' connections resolved). */
async function providerInputs() {
    const { RUNNER_VERSION } = await import("../../failover");
    const host = (name: string, address: string) => ({ name, connection: { address, port: 22, user: "pi", privateKey: "KEY", hostKey } });
    return {
        client: host("client", "172.31.0.133"),
        server: host("server", "172.31.0.218"),
        serverAddress: "172.31.0.218",
        failingHost: "client" as const,
        failingInterface: "wlan0",
        failingAddress: "172.31.0.173",
        durationSeconds: 10,
        intervalSeconds: 0.1,
        downAtSeconds: 3,
        failback: "stay" as const,
        direction: "forward" as const,
        control: true,
        mptcp: "native" as const,
        dependencies: { iperf3: "3.21" },
        runToken: "1",
        repeat: 1,
        runnerVersion: RUNNER_VERSION,
        resultsRoot: "/tmp/mptcp-lab-results",
        providerVersion: "1",
    };
}

type Inputs = Awaited<ReturnType<typeof providerInputs>>;

const rerun = test.macro({
    async exec(t, change: (inputs: Inputs) => Record<string, unknown>, expected: boolean) {
        const { operations } = await import("../../components/failover-test-provider");
        const olds = await providerInputs();
        const news = change(await providerInputs());
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the old state as the engine passes it
        const diff = await operations.diff!("failover/1", { ...olds, runId: "1", resultsDir: "/tmp/r/1" } as any, news);
        t.is(diff.changes, expected);
    },
    title: (what = "") => what,
});

test("nothing changed: the test does not re-run", rerun, (inputs) => inputs, false);
test("a new runner version re-runs the test", rerun, (inputs) => ({ ...inputs, runnerVersion: `${inputs.runnerVersion}.1` }), true);
test("a new provider version re-runs the test", rerun, (inputs) => ({ ...inputs, providerVersion: "2" }), true);
test("a new run token re-runs the test", rerun, (inputs) => ({ ...inputs, runToken: "2" }), true);
test("another failure time re-runs the test", rerun, (inputs) => ({ ...inputs, downAtSeconds: 4 }), true);
test("a changed dependency (an iperf3 build) re-runs the test", rerun, (inputs) => ({ ...inputs, dependencies: { iperf3: "3.20" } }), true);
test("a new host connection does not re-run the test", rerun, (inputs) => ({ ...inputs, client: { ...inputs.client, connection: { ...inputs.client.connection, address: "172.31.0.134" } } }), false);
test("another results folder does not re-run the test", rerun, (inputs) => ({ ...inputs, resultsRoot: "/tmp/elsewhere" }), false);
test("another number of runs alone does not re-run the test", rerun, (inputs) => ({ ...inputs, repeat: 5 }), false);

test("state written with the runner's text instead of its version re-runs the test once", async (t) => {
    const { operations } = await import("../../components/failover-test-provider");
    const news = await providerInputs();
    const older: Partial<Inputs> = { ...news };
    delete older.runnerVersion;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- state of an earlier provider, as the engine passes it
    const olds = { ...older, runner: "#!/usr/bin/env bash\n", runId: "1", resultsDir: "/tmp/r/1" } as any;
    t.true((await operations.diff!("failover/1", olds, news)).changes);
    t.false((await operations.diff!("failover/1", { ...news, runId: "2", resultsDir: "/tmp/r/2" }, news)).changes, "and not again once the version is in state");
});
