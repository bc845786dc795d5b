// NetworkManager as a second manager of the endpoint table, on a real emulated bench through the
// real engine: a bench host that runs NetworkManager (bench.networkManager) gets NetworkManager's
// own MPTCP endpoints; `up` and `drift` stop with `second-endpoint-manager` (exit 1) instead of
// fighting it; after the documented fix (docs/drift.md) `up` succeeds and `drift` is clean.
import test from "ava";
import { PassThrough } from "stream";
import type { DriftReport } from "../../cli/drift-report";
import { EXIT_FAILURE, EXIT_OK } from "../../cli/command";
import { main } from "../../cli/main";
import { sleep } from "../../bench/processes";
import { pulumiRoot } from "../../toolchain";
import { benchHook, benchTest } from "../bench/helpers/harness";
import { runInHost } from "./emulated-host";
import { createTestStack, inHost, type TestLabOptions, type TestStack } from "./lab-harness";

// The failover test fails the server's wlan0: the client's links are NetworkManager's.
const lab: TestLabOptions = { name: "t-nm", index: 11, bench: { networkManager: ["client"] }, failover: { host: "server" } };
const CODE = "second-endpoint-manager";
/** The fix for every connection, exactly as docs/drift.md gives it. */
const DROP_IN = "/etc/NetworkManager/conf.d/90-mptcp-lab-no-mptcp.conf";

let testStack: TestStack | undefined;

test.before(
    benchHook(async () => {
        pulumiRoot(); // fails at once, with its hint, when the toolchain was never bootstrapped
        testStack = await createTestStack(lab);
    }),
);

test.after.always(
    benchHook(async () => {
        await testStack?.cleanup();
    }),
);

/** A command of mptcp-lab with its exit code and output. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    const output = { stdout: "", stderr: "" };
    stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
    stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
    const code = await main(argv, { stdout, stderr, environment: { CI: "true" } });
    return { code, ...output };
}

const up = () => cli("up", "--stack", lab.name, "--no-table");

async function drift(): Promise<{ code: number; report: DriftReport }> {
    const { code, stdout } = await cli("drift", "--stack", lab.name, "--json");
    return { code, report: JSON.parse(stdout) as DriftReport };
}

/** The client's endpoints as `address dev flags` lines, sorted. */
async function clientEndpoints(): Promise<string[]> {
    const raw = JSON.parse(await inHost(lab.name, "client", ["ip", "-j", "mptcp", "endpoint", "show"])) as Record<string, unknown>[];
    const flags = (entry: Record<string, unknown>) => ["backup", "fullmesh", "signal", "subflow"].filter((flag) => entry[flag] === true).join(" ");
    return raw.map((entry) => `${String(entry.address)} dev ${String(entry.dev)} ${flags(entry)}`).sort();
}

/** Waits (up to a minute) for NetworkManager to add its endpoint for the client's eth0. */
async function waitForNetworkManagerEndpoint(): Promise<string[]> {
    for (let attempt = 0; attempt < 120; attempt++) {
        const endpoints = await clientEndpoints();
        if (endpoints.includes("198.18.11.133 dev eth0 subflow")) return endpoints;
        await sleep(500);
    }
    return clientEndpoints();
}

const inClient = (script: string) => runInHost(lab.name, "client", script);
const reactivate = () => inClient("nmcli --wait 60 connection up id bench-eth0 >/dev/null\nnmcli --wait 60 connection up id bench-wlan0 >/dev/null");
/** The drop-in, a reload, and the connections brought up again so that NetworkManager withdraws the endpoints it added. */
const applyFix = async () => {
    await inClient(`printf '[connection]\\nconnection.mptcp-flags=0x1\\n' >${DROP_IN}\nsystemctl reload NetworkManager`);
    await reactivate();
};
const undoFix = () => inClient(`rm -f ${DROP_IN}\nsystemctl reload NetworkManager\nnmcli --wait 60 connection up id bench-eth0 >/dev/null`);

benchTest("the client runs NetworkManager, which adds subflow endpoints of its own; up stops there with second-endpoint-manager", async (t) => {
    const result = await up();
    t.is(result.code, EXIT_FAILURE, result.stdout);
    t.true(result.stderr.includes(`error ${CODE}: client: check for a second endpoint manager: NetworkManager also writes`), result.stderr);
    t.true(result.stderr.includes('"bench-eth0" (eth0)'), "the message names the connection");
    t.true(result.stderr.includes("connection.mptcp-flags=0x1"), "the message gives the fix");
    t.is((await inClient("systemctl is-active NetworkManager.service")).trim(), "active");
    t.is((await runInHost(lab.name, "server", "systemctl is-active NetworkManager.service || true")).trim(), "inactive", "the server runs no NetworkManager");
    // What trixie's NetworkManager does by default with a connection that has a default route.
    t.deepEqual(await waitForNetworkManagerEndpoint(), ["198.18.11.133 dev eth0 subflow", "198.18.11.173 dev wlan0 subflow"]);
    const addresses = await inHost(lab.name, "client", ["ip", "-4", "-o", "addr", "show"]);
    t.regex(addresses, /eth0\s+inet 198\.18\.11\.133\/24 /, "NetworkManager kept the bench's address");
});

benchTest("after the documented fix up succeeds, drift is clean, and reactivating a connection changes nothing", async (t) => {
    await applyFix();
    const result = await up();
    t.is(result.code, EXIT_OK, result.stderr);
    t.deepEqual(await clientEndpoints(), ["198.18.11.173 dev wlan0 subflow"], "the lab's endpoint only");
    // NetworkManager, told to leave MPTCP alone, does not touch the lab's endpoints when it activates a connection.
    await reactivate();
    const { code, report } = await drift();
    t.is(code, EXIT_OK, JSON.stringify(report));
    t.is(report.stacks[0].status, "clean");
});

benchTest("NetworkManager handling MPTCP again makes drift report the second manager by code and exit 1, not drift", async (t) => {
    await undoFix();
    t.true((await waitForNetworkManagerEndpoint()).includes("198.18.11.133 dev eth0 subflow"), "NetworkManager added its endpoint again");
    const { code, report } = await drift();
    t.is(code, EXIT_FAILURE);
    t.like(report.stacks[0], { status: "error", error: { code: CODE }, hosts: [] });
    t.regex(report.stacks[0].error?.message ?? "", /client: check for a second endpoint manager: NetworkManager also writes/);
    t.regex(report.stacks[0].error?.hint ?? "", /mptcp-lab up --stack t-nm/);
});

benchTest("after the per-connection fix with nmcli, up repairs the endpoints and drift is clean", async (t) => {
    await inClient(
        ["bench-eth0", "bench-wlan0"].map((id) => `nmcli connection modify id ${id} connection.mptcp-flags disabled\nnmcli --wait 60 connection up id ${id} >/dev/null`).join("\n"),
    );
    const result = await up();
    t.is(result.code, EXIT_OK, result.stderr);
    const { code, report } = await drift();
    t.is(code, EXIT_OK, JSON.stringify(report));
    t.deepEqual(await clientEndpoints(), ["198.18.11.173 dev wlan0 subflow"]);
});
