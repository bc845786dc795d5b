// The runner for real: two hosts in network namespaces, Debian's iperf3 3.12 under mptcpize (it
// has no -m), the client's or the server's wlan0 failing at 3 s of an 8 s test.
import test, { type ExecutionContext } from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    analyseRun,
    clientArguments,
    flipArguments,
    formatRunTable,
    restoreArguments,
    resultFileNames,
    runnerScriptPath,
    serveArguments,
    serveStopArguments,
} from "../../failover";
import { whenAvailable } from "../helpers/prerequisites";
import type { ClientOptions, FailoverRun, LinkFailure } from "../../failover";
import {
    ADDRESSES,
    applyPolicyRoutes,
    CLIENT,
    createBench,
    destroyBench,
    killNamespaceProcesses,
    linkIsUp,
    missingPrerequisites,
    processRunning,
    runRunner,
    SERVER,
    setLink,
    startRunner,
    waitFor,
} from "./netns-bench";

const DURATION = 8;
const DOWN_AT = 3;
/** The runner's watchdog brings the link up this long after the scheduled end. */
const WATCHDOG_GRACE_SECONDS = 5;

const missing = missingPrerequisites();
// Missing prerequisites skip these tests on a workstation; under CI they fail in `before`.
const integration = whenAvailable(test.serial, missing, "failover runner on network namespaces");

let scratch = "";
let nextPort = 5601;
let control: FailoverRun | undefined;

test.before(() => {
    if (missing.length > 0) throw new Error(`missing prerequisites: ${missing.join(", ")}`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "fo-runs-"));
    createBench();
});

test.after.always(() => {
    try {
        destroyBench();
    } finally {
        if (scratch !== "") fs.rmSync(scratch, { recursive: true, force: true });
    }
});

const read = (dir: string, file: string): string | undefined => {
    const full = path.join(dir, file);
    return fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
};

function analyse(clientDir: string, linkDir = clientDir): FailoverRun {
    return analyseRun(
        {
            clientJson: read(clientDir, resultFileNames.clientJson) ?? "",
            monitorLog: read(clientDir, resultFileNames.monitorLog),
            linkEvents: read(linkDir, resultFileNames.linkEvents),
            meta: read(clientDir, resultFileNames.meta),
        },
        { downAtSeconds: DOWN_AT },
    );
}

/** A fresh server on its own port, and the client's options to reach it. */
async function prepareRun(name: string, mptcpize: boolean): Promise<{ client: ClientOptions; serverDir: string }> {
    applyPolicyRoutes(); // what the hosts' network manager does on link up
    const port = nextPort++;
    const serverDir = path.join(scratch, name, "server");
    const status = await runRunner(SERVER, runnerScriptPath, serveArguments({ port, timeoutSeconds: 60, resultsDir: serverDir, mptcpize }));
    if (status !== 0) throw new Error(`serve exited with ${status}: ${read(serverDir, resultFileNames.runnerLog)}`);
    const client: ClientOptions = {
        server: ADDRESSES.server.eth0,
        port,
        durationSeconds: DURATION,
        intervalSeconds: 0.1,
        mode: mptcpize ? "mptcpize" : "tcp",
        reverse: false,
        resultsDir: path.join(scratch, name, "client"),
        failure: { interface: "wlan0", downAtSeconds: DOWN_AT },
    };
    return { client, serverDir };
}

async function stopServer(serverDir: string): Promise<void> {
    await runRunner(SERVER, runnerScriptPath, serveStopArguments({ resultsDir: serverDir }));
}

/**
 * A client run whose failure a detached flip on the server makes: the flip armed, the client run,
 * the flip waited for, the server stopped, the results analysed.
 */
async function runUnderServerFlip(
    t: ExecutionContext,
    { client, serverDir }: { client: ClientOptions; serverDir: string },
    name: string,
    failure: LinkFailure,
): Promise<{ status: number; run: FailoverRun; flipDir: string }> {
    const flipDir = path.join(scratch, name, "flip");
    const armed = await runRunner(SERVER, runnerScriptPath, flipArguments({ failure, watchPort: client.port, durationSeconds: DURATION, resultsDir: flipDir, waitSeconds: 20, detach: true }));
    t.is(armed, 0, read(flipDir, resultFileNames.runnerLog));
    const status = await runRunner(CLIENT, runnerScriptPath, clientArguments({ ...client, failure: undefined }));
    t.true(await waitFor(() => read(flipDir, resultFileNames.exitStatus) !== undefined, 10_000), "the flip did not finish");
    await stopServer(serverDir);
    return { status, run: analyse(client.resultsDir, flipDir), flipDir };
}

// The control's sockets are bound to wlan0 (SO_BINDTODEVICE), so nothing moves while it is down.
// iperf3 itself usually still completes: its control connection is idle during the outage and
// delivers the end of the test once the link is back at the end. So the control does not fail;
// it stalls for the whole outage and never recovers while the link is down.
integration("a plain-TCP control through wlan0 stalls for the whole outage", async (t) => {
    const { client, serverDir } = await prepareRun("tcp", false);
    const options = { ...client, bindAddress: ADDRESSES.client.wlan0, bindDevice: "wlan0" };
    await runRunner(CLIENT, runnerScriptPath, clientArguments(options));
    await stopServer(serverDir);
    control = analyse(client.resultsDir);
    t.log(`\n${formatRunTable(control)}`);
    const { summary } = control;
    t.true(control.intervals.length > 0, summary.error);
    t.false(summary.mptcpVerified);
    t.is(summary.recoveryToBaselineSeconds, null);
    t.is(summary.recoveryToSurvivingSeconds, null);
    t.is(summary.survivingRateBitsPerSecond, 0);
    const outage = (summary.linkUpAt ?? DURATION) - (summary.linkDownAt ?? DOWN_AT);
    t.true(summary.stallSeconds >= outage / 2, `stall ${summary.stallSeconds} s of a ${outage} s outage`);
    t.true(linkIsUp(CLIENT, "wlan0"));
});

integration("an MPTCP run survives the client's wlan0 failing and leaves the link up", async (t) => {
    const { client, serverDir } = await prepareRun("mptcp", true);
    const status = await runRunner(CLIENT, runnerScriptPath, clientArguments(client));
    await stopServer(serverDir);
    const run = analyse(client.resultsDir);
    t.log(`\n${formatRunTable(run, control)}`);
    t.is(status, 0, read(client.resultsDir, resultFileNames.runnerLog));
    t.is(read(client.resultsDir, resultFileNames.exitStatus)?.trim(), "0");
    t.true(run.summary.survived, run.summary.error);
    t.true(run.summary.mptcpVerified);
    t.true(run.summary.subflowsJoined >= 1);
    t.not(run.summary.linkDownAt, null);
    t.not(run.summary.linkUpAt, null);
    t.true((run.summary.linkUpAt ?? 0) > (run.summary.linkDownAt ?? Infinity));
    // eth0 still carries the connection: something got through while wlan0 was down.
    t.true(run.summary.survivingRateBitsPerSecond > 0);
    t.not(run.summary.recoveryToSurvivingSeconds, null);
    t.true(linkIsUp(CLIENT, "wlan0"));
});

const endpointTable = (namespace: string): string => execFileSync("ip", ["-n", namespace, "mptcp", "endpoint", "show"], { encoding: "utf8" });

// Failback: wlan0 back at 5 s of 8, its endpoint deleted and re-added as NetworkManager does.
integration("with failback the client's wlan0 endpoint is re-announced and a new subflow joins", async (t) => {
    const { client, serverDir } = await prepareRun("failback-client", true);
    const before = endpointTable(CLIENT);
    const status = await runRunner(CLIENT, runnerScriptPath, clientArguments({ ...client, failure: { interface: "wlan0", downAtSeconds: DOWN_AT, upAtSeconds: 5, reannounce: true } }));
    await stopServer(serverDir);
    const run = analyse(client.resultsDir);
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0, read(client.resultsDir, resultFileNames.runnerLog));
    t.true(run.summary.survived, run.summary.error);
    t.regex(read(client.resultsDir, resultFileNames.linkEvents) ?? "", /^\d+\.\d+ reannounce wlan0 1$/m);
    t.not(run.summary.endpointReannouncedAt, null);
    t.not(run.summary.failbackSubflowSeconds, null, "no subflow joined after the link came back");
    t.is(endpointTable(CLIENT), before, "the endpoint came back with its id, address and flags");
});

integration("with failback the server's re-announced signal endpoint brings a subflow back", async (t) => {
    const prepared = await prepareRun("failback-server", true);
    const before = endpointTable(SERVER);
    const { status, run } = await runUnderServerFlip(t, prepared, "failback-server", { interface: "wlan0", downAtSeconds: DOWN_AT, upAtSeconds: 5, reannounce: true });
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0);
    t.true(run.summary.survived, run.summary.error);
    t.not(run.summary.endpointReannouncedAt, null);
    t.not(run.summary.failbackSubflowSeconds, null, "no subflow joined after the link came back");
    t.is(endpointTable(SERVER), before);
});

// The primary path carries the initial subflow and iperf3's control connection: under mptcpize
// both are MPTCP, so the test completes on wlan0 alone (FIELD-NOTES).
integration("under mptcpize an MPTCP run survives the client's eth0, the primary path, failing", async (t) => {
    const { client, serverDir } = await prepareRun("primary", true);
    const status = await runRunner(CLIENT, runnerScriptPath, clientArguments({ ...client, failure: { interface: "eth0", downAtSeconds: DOWN_AT } }));
    await stopServer(serverDir);
    const run = analyse(client.resultsDir);
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0, read(client.resultsDir, resultFileNames.runnerLog));
    t.true(run.summary.survived, run.summary.error);
    t.is(run.failedInterface, "eth0");
    t.true(run.summary.survivingRateBitsPerSecond > 0);
    t.true(linkIsUp(CLIENT, "eth0"));
});

integration("a runner killed with SIGKILL leaves the link up within the watchdog bound", async (t) => {
    const { client, serverDir } = await prepareRun("sigkill", true);
    const started = Date.now();
    const runner = startRunner(CLIENT, runnerScriptPath, clientArguments(client));
    const linkEvents = path.join(client.resultsDir, resultFileNames.linkEvents);
    t.true(await waitFor(() => !linkIsUp(CLIENT, "wlan0"), 15_000), "the link never went down");
    process.kill(runner.pid, "SIGKILL");
    t.is(await runner.exited, 137);
    t.false(linkIsUp(CLIENT, "wlan0"), "only the watchdog is left to bring it up");
    const bound = started + (DURATION + WATCHDOG_GRACE_SECONDS + 3) * 1000;
    t.true(await waitFor(() => linkIsUp(CLIENT, "wlan0"), bound - Date.now()), "the watchdog did not bring the link up");
    t.regex(fs.readFileSync(linkEvents, "utf8"), /up wlan0 watchdog/);
    await stopServer(serverDir);
    killNamespaceProcesses(CLIENT); // the orphaned iperf3 and monitor, bounded but not yet ended
});

integration("a runner stopped with SIGTERM restores the link at once and records why", async (t) => {
    const { client, serverDir } = await prepareRun("sigterm", true);
    const runner = startRunner(CLIENT, runnerScriptPath, clientArguments(client));
    t.true(await waitFor(() => !linkIsUp(CLIENT, "wlan0"), 15_000), "the link never went down");
    process.kill(runner.pid, "SIGTERM");
    t.is(await runner.exited, 143);
    t.true(linkIsUp(CLIENT, "wlan0"));
    t.regex(read(client.resultsDir, resultFileNames.linkEvents) ?? "", /up wlan0 signal-TERM/);
    t.is(read(client.resultsDir, resultFileNames.exitStatus)?.trim(), "143");
    await stopServer(serverDir);
    const run = analyse(client.resultsDir);
    t.false(run.summary.survived);
    t.truthy(run.summary.error);
});

integration("a detached flip fails the server's wlan0 under a running test and brings it back", async (t) => {
    const { status, run, flipDir } = await runUnderServerFlip(t, await prepareRun("flip", true), "flip", { interface: "wlan0", downAtSeconds: DOWN_AT });
    t.is(read(flipDir, resultFileNames.exitStatus)?.trim(), "0", read(flipDir, resultFileNames.runnerLog));
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0);
    t.true(run.summary.survived, run.summary.error);
    t.true(run.summary.mptcpVerified);
    t.not(run.summary.linkDownAt, null);
    t.not(run.summary.linkUpAt, null);
    t.true(linkIsUp(SERVER, "wlan0"));
});

integration("restore stops a flip still waiting for its test", async (t) => {
    const flipDir = path.join(scratch, "orphan-flip");
    const armed = await runRunner(SERVER, runnerScriptPath, flipArguments({
        failure: { interface: "wlan0", downAtSeconds: 1 },
        watchPort: nextPort++, // nothing will connect
        durationSeconds: DURATION,
        resultsDir: flipDir,
        detach: true,
    }));
    t.is(armed, 0, read(flipDir, resultFileNames.runnerLog));
    const pid = Number(read(flipDir, "flip.pid"));
    t.true(pid > 0);
    t.is(await runRunner(SERVER, runnerScriptPath, restoreArguments({ interface: "wlan0", resultsDir: flipDir })), 0);
    t.false(processRunning(pid), "the flip is still running");
    t.is(read(flipDir, resultFileNames.exitStatus)?.trim(), "143");
    t.true(linkIsUp(SERVER, "wlan0"));
});

integration("serve and a detached flip return at once and leave the caller's output closed", async (t) => {
    const port = nextPort++;
    const dir = path.join(scratch, "detached");
    const within = async (started: Promise<number>): Promise<number | "hung"> =>
        Promise.race([started, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 5_000))]);
    const serve = startRunner(SERVER, runnerScriptPath, serveArguments({ port, timeoutSeconds: 60, resultsDir: dir, mptcpize: false }), true);
    t.is(await within(serve.exited), 0);
    const flip = startRunner(SERVER, runnerScriptPath, flipArguments({
        failure: { interface: "wlan0", downAtSeconds: 1 }, watchPort: port, durationSeconds: DURATION, resultsDir: dir, detach: true,
    }), true);
    t.is(await within(flip.exited), 0);
    t.is(await runRunner(SERVER, runnerScriptPath, restoreArguments({ interface: "wlan0", resultsDir: dir })), 0);
    await stopServer(dir);
    t.true(linkIsUp(SERVER, "wlan0"));
});

integration("restore brings a link up and does nothing to a link that is up", async (t) => {
    setLink(CLIENT, "wlan0", "down");
    t.is(await runRunner(CLIENT, runnerScriptPath, restoreArguments({ interface: "wlan0" })), 0);
    t.true(linkIsUp(CLIENT, "wlan0"));
    t.is(await runRunner(CLIENT, runnerScriptPath, restoreArguments({ interface: "wlan0" })), 0);
    t.true(linkIsUp(CLIENT, "wlan0"));
});
