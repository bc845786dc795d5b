// The runner for real, on the emulated bench's client and server (systemd-nspawn machines, systemd as
// PID 1), called over SSH as `pi` through `sudo -n` as the failover test calls it: Debian's iperf3
// under mptcpize, the client's or the server's wlan0 failing at 3 s of an 8 s test. A failed link's
// restore is the host's systemd's job: killing the runner, or dropping its SSH session, leaves the
// link up and no unit of the runner behind.
import test, { type ExecutionContext } from "ava";
import { posix as path } from "path";
import {
    analyseRun,
    clientArguments,
    flipArguments,
    formatRunTable,
    restoreArguments,
    resultFileNames,
    serveArguments,
    serveStopArguments,
} from "../../failover";
import type { ClientOptions, FailoverRun, LinkFailure } from "../../failover";
import { STALL_FRACTION } from "../../failover/analysis";
import { benchHook, benchTest, prepareBench } from "../bench/helpers/harness";
import {
    ADDRESSES,
    BENCH,
    CLIENT,
    createBench,
    destroyBench,
    endpointTable,
    type HostName,
    linkIsUp,
    readHostFile,
    runnerUnits,
    runRunner,
    SERVER,
    setLink,
    signalRunner,
    startRunner,
    waitFor,
} from "./runner-bench";

const DURATION = 8;
const DOWN_AT = 3;
/** The runner's guard unit brings the link up this long after the scheduled end. */
const WATCHDOG_GRACE_SECONDS = 5;
/** Results on the hosts, one folder per test. */
const RESULTS = "/var/lib/mptcp-lab/runner-test";

const integration = benchTest;
let nextPort = 5601;
let control: FailoverRun | undefined;

test.before(async (t) => {
    if (await prepareBench(t, BENCH)) await createBench();
});

test.after.always(benchHook(destroyBench));

async function analyse(clientDir: string, linkDir = clientDir, linkHost: HostName = CLIENT): Promise<FailoverRun> {
    return analyseRun(
        {
            clientJson: (await readHostFile(CLIENT, path.join(clientDir, resultFileNames.clientJson))) ?? "",
            // prepareRun puts the server's results next to the client's.
            serverJson: await readHostFile(SERVER, path.join(path.dirname(clientDir), "server", resultFileNames.serverJson)),
            monitorLog: await readHostFile(CLIENT, path.join(clientDir, resultFileNames.monitorLog)),
            linkEvents: await readHostFile(linkHost, path.join(linkDir, resultFileNames.linkEvents)),
            meta: await readHostFile(CLIENT, path.join(clientDir, resultFileNames.meta)),
        },
        { downAtSeconds: DOWN_AT },
    );
}

const read = (host: HostName, dir: string, file: string) => readHostFile(host, path.join(dir, file));

/** Every link of both hosts up and no unit of the runner left on either. */
async function assertHostsClean(t: ExecutionContext): Promise<void> {
    for (const host of [CLIENT, SERVER] as const) {
        for (const device of ["eth0", "wlan0"]) t.true(await linkIsUp(host, device), `${host} ${device} is down`);
        // systemd forgets a stopped transient unit (--collect) on its next turn, not at once.
        let units: string[] = [];
        await waitFor(async () => (units = await runnerUnits(host)).length === 0, 3_000);
        t.deepEqual(units, [], `units left on ${host}`);
    }
}

/** A fresh server on its own port, and the client's options to reach it. */
async function prepareRun(name: string, mptcpize: boolean): Promise<{ client: ClientOptions; serverDir: string }> {
    const port = nextPort++;
    const serverDir = path.join(RESULTS, name, "server");
    const status = await runRunner(SERVER, serveArguments({ port, timeoutSeconds: 60, resultsDir: serverDir, intervalSeconds: 0.1, mptcpize }));
    if (status !== 0) throw new Error(`serve exited with ${status}: ${await read(SERVER, serverDir, resultFileNames.runnerLog)}`);
    const client: ClientOptions = {
        server: ADDRESSES.server.eth0,
        port,
        durationSeconds: DURATION,
        intervalSeconds: 0.1,
        mode: mptcpize ? "mptcpize" : "tcp",
        reverse: false,
        resultsDir: path.join(RESULTS, name, "client"),
        failure: { interface: "wlan0", downAtSeconds: DOWN_AT },
    };
    return { client, serverDir };
}

async function stopServer(port: number): Promise<void> {
    await runRunner(SERVER, serveStopArguments({ port }));
}

/**
 * A client run whose failure a detached flip on the server makes: the flip armed, the client run,
 * the flip waited for, the server stopped, the results analysed.
 */
async function runUnderServerFlip(
    t: ExecutionContext,
    { client }: { client: ClientOptions; serverDir: string },
    name: string,
    failure: LinkFailure,
): Promise<{ status: number; run: FailoverRun; flipDir: string }> {
    const flipDir = path.join(RESULTS, name, "flip");
    const armed = await runRunner(SERVER, flipArguments({ failure, watchPort: client.port, durationSeconds: DURATION, resultsDir: flipDir, waitSeconds: 20, detach: true }));
    t.is(armed, 0, await read(SERVER, flipDir, resultFileNames.runnerLog));
    const status = await runRunner(CLIENT, clientArguments({ ...client, failure: undefined }));
    t.true(await waitFor(async () => (await read(SERVER, flipDir, resultFileNames.exitStatus)) !== undefined, 10_000), "the flip did not finish");
    await stopServer(client.port);
    return { status, run: await analyse(client.resultsDir, flipDir, SERVER), flipDir };
}

// The control's sockets are bound to wlan0 (SO_BINDTODEVICE), so nothing moves while it is down.
// iperf3 itself usually still completes: its control connection is idle during the outage and
// delivers the end of the test once the link is back at the end. So the control does not fail;
// it stalls for the whole outage and never recovers while the link is down.
integration("a plain-TCP control through wlan0 stalls for the whole outage", async (t) => {
    const { client } = await prepareRun("tcp", false);
    const options = { ...client, bindAddress: ADDRESSES.client.wlan0, bindDevice: "wlan0" };
    await runRunner(CLIENT, clientArguments(options));
    await stopServer(client.port);
    control = await analyse(client.resultsDir);
    t.log(`\n${formatRunTable(control)}`);
    const { summary } = control;
    t.true(control.intervals.length > 0, summary.error);
    t.is(control.figuresFrom, "server", "the control's figures come from its receiver too");
    t.false(summary.mptcpVerified);
    t.is(summary.recoveryToBaselineSeconds, null);
    t.is(summary.recoveryToSurvivingSeconds, null);
    // The receiver's sample that holds the link's return can straddle it, so a sliver of the burst
    // after it may count as "while down": nearly nothing, as the summary says, is the claim.
    t.true(summary.survivingRateBitsPerSecond <= STALL_FRACTION * summary.baselineBitsPerSecond, `surviving ${summary.survivingRateBitsPerSecond} bit/s of a ${summary.baselineBitsPerSecond} bit/s baseline`);
    const outage = (summary.linkUpAt ?? DURATION) - (summary.linkDownAt ?? DOWN_AT);
    t.true(summary.stallSeconds >= outage / 2, `stall ${summary.stallSeconds} s of a ${outage} s outage`);
    await assertHostsClean(t);
});

integration("an MPTCP run survives the client's wlan0 failing and leaves the link up and no unit behind", async (t) => {
    const { client } = await prepareRun("mptcp", true);
    const status = await runRunner(CLIENT, clientArguments(client));
    await stopServer(client.port);
    const run = await analyse(client.resultsDir);
    t.log(`\n${formatRunTable(run, control)}`);
    t.is(status, 0, await read(CLIENT, client.resultsDir, resultFileNames.runnerLog));
    t.is((await read(CLIENT, client.resultsDir, resultFileNames.exitStatus))?.trim(), "0");
    t.true(run.summary.survived, run.summary.error);
    t.true(run.summary.mptcpVerified);
    t.true(run.summary.subflowsJoined >= 1);
    t.not(run.summary.linkDownAt, null);
    t.not(run.summary.linkUpAt, null);
    t.true((run.summary.linkUpAt ?? 0) > (run.summary.linkDownAt ?? Infinity));
    // A forward run's figures come from the receiver: the server, reporting at the client's 0.1 s.
    t.is(run.figuresFrom, "server");
    t.true((run.serverIntervals ?? []).length >= DURATION * 5, `${run.serverIntervals?.length ?? 0} server samples`);
    t.true(run.intervals.length >= DURATION * 5);
    t.log(`first samples: client ${JSON.stringify(run.intervals[0])}, server ${JSON.stringify(run.serverIntervals?.[0])}`);
    // eth0 still carries the connection: something got through while wlan0 was down.
    t.true(run.summary.survivingRateBitsPerSecond > 0);
    t.not(run.summary.recoveryToSurvivingSeconds, null);
    t.regex((await read(CLIENT, client.resultsDir, resultFileNames.linkEvents)) ?? "", /^\d+\.\d+ up wlan0 scheduled$/m);
    await assertHostsClean(t);
});

// Failback: wlan0 back at 5 s of 8, its endpoint deleted and re-added as NetworkManager does.
integration("with failback the client's wlan0 endpoint is re-announced and a new subflow joins", async (t) => {
    const { client } = await prepareRun("failback-client", true);
    const before = await endpointTable(CLIENT);
    const status = await runRunner(CLIENT, clientArguments({ ...client, failure: { interface: "wlan0", downAtSeconds: DOWN_AT, upAtSeconds: 5, reannounce: true } }));
    await stopServer(client.port);
    const run = await analyse(client.resultsDir);
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0, await read(CLIENT, client.resultsDir, resultFileNames.runnerLog));
    t.true(run.summary.survived, run.summary.error);
    t.regex((await read(CLIENT, client.resultsDir, resultFileNames.linkEvents)) ?? "", /^\d+\.\d+ reannounce wlan0 1$/m);
    t.not(run.summary.endpointReannouncedAt, null);
    t.not(run.summary.failbackSubflowSeconds, null, "no subflow joined after the link came back");
    t.is(await endpointTable(CLIENT), before, "the endpoint came back with its id, address and flags");
});

integration("with failback the server's re-announced signal endpoint brings a subflow back", async (t) => {
    const prepared = await prepareRun("failback-server", true);
    const before = await endpointTable(SERVER);
    const { status, run } = await runUnderServerFlip(t, prepared, "failback-server", { interface: "wlan0", downAtSeconds: DOWN_AT, upAtSeconds: 5, reannounce: true });
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0);
    t.true(run.summary.survived, run.summary.error);
    t.not(run.summary.endpointReannouncedAt, null);
    t.not(run.summary.failbackSubflowSeconds, null, "no subflow joined after the link came back");
    t.is(await endpointTable(SERVER), before);
    await assertHostsClean(t);
});

// The primary path carries the initial subflow and iperf3's control connection: under mptcpize
// both are MPTCP, so the test completes on wlan0 alone (FIELD-NOTES).
integration("under mptcpize an MPTCP run survives the client's eth0, the primary path, failing", async (t) => {
    const { client } = await prepareRun("primary", true);
    const status = await runRunner(CLIENT, clientArguments({ ...client, failure: { interface: "eth0", downAtSeconds: DOWN_AT } }));
    await stopServer(client.port);
    const run = await analyse(client.resultsDir);
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0, await read(CLIENT, client.resultsDir, resultFileNames.runnerLog));
    t.true(run.summary.survived, run.summary.error);
    t.is(run.failedInterface, "eth0");
    t.true(run.summary.survivingRateBitsPerSecond > 0);
    t.true(await linkIsUp(CLIENT, "eth0"));
});

integration("a runner killed with SIGKILL leaves the link to its guard unit, which brings it up and is gone", async (t) => {
    const { client } = await prepareRun("sigkill", true);
    const started = Date.now();
    const runner = await startRunner(CLIENT, clientArguments(client));
    t.true(await waitFor(async () => !(await linkIsUp(CLIENT, "wlan0")), 15_000), "the link never went down");
    t.deepEqual((await runnerUnits(CLIENT)).map((line) => line.split(" ")[0]), ["mptcp-lab-link-wlan0.service"], "the guard holds the link");
    await signalRunner(CLIENT, "client", "KILL");
    await runner.exited;
    t.false(await linkIsUp(CLIENT, "wlan0"), "only the guard is left to bring it up");
    const bound = started + (DURATION + WATCHDOG_GRACE_SECONDS + 3) * 1000;
    t.true(await waitFor(() => linkIsUp(CLIENT, "wlan0"), bound - Date.now()), "the guard did not bring the link up");
    t.regex((await read(CLIENT, client.resultsDir, resultFileNames.linkEvents)) ?? "", /^\d+\.\d+ up wlan0 watchdog$/m);
    t.true(await waitFor(async () => (await runnerUnits(CLIENT)).length === 0, 5_000), "the guard unit was not collected");
    await stopServer(client.port);
    await assertHostsClean(t);
});

integration("a dropped SSH session leaves the link up and no unit behind", async (t) => {
    const { client } = await prepareRun("dropped", true);
    const runner = await startRunner(CLIENT, clientArguments(client));
    t.true(await waitFor(async () => !(await linkIsUp(CLIENT, "wlan0")), 15_000), "the link never went down");
    process.kill(runner.pid, "SIGKILL"); // the controller's end of the session: as a killed controller
    await runner.exited;
    const bound = Date.now() + (DURATION + WATCHDOG_GRACE_SECONDS + 3) * 1000;
    t.true(await waitFor(() => linkIsUp(CLIENT, "wlan0"), bound - Date.now()), "the link did not come back");
    t.regex((await read(CLIENT, client.resultsDir, resultFileNames.linkEvents)) ?? "", /^\d+\.\d+ up wlan0 \S+$/m);
    t.true(await waitFor(async () => (await runnerUnits(CLIENT)).length === 0, (DURATION + WATCHDOG_GRACE_SECONDS) * 1000), "a unit of the runner was left");
    await stopServer(client.port);
    await assertHostsClean(t);
});

integration("a runner stopped with SIGTERM restores the link at once, records why and stops its guard", async (t) => {
    const { client } = await prepareRun("sigterm", true);
    const runner = await startRunner(CLIENT, clientArguments(client));
    t.true(await waitFor(async () => !(await linkIsUp(CLIENT, "wlan0")), 15_000), "the link never went down");
    await signalRunner(CLIENT, "client", "TERM");
    t.is(await runner.exited, 143);
    t.true(await linkIsUp(CLIENT, "wlan0"));
    t.regex((await read(CLIENT, client.resultsDir, resultFileNames.linkEvents)) ?? "", /up wlan0 signal-TERM/);
    t.is((await read(CLIENT, client.resultsDir, resultFileNames.exitStatus))?.trim(), "143");
    await stopServer(client.port);
    await assertHostsClean(t);
    const run = await analyse(client.resultsDir);
    t.false(run.summary.survived);
    t.truthy(run.summary.error);
});

integration("a detached flip fails the server's wlan0 under a running test and brings it back", async (t) => {
    const { status, run, flipDir } = await runUnderServerFlip(t, await prepareRun("flip", true), "flip", { interface: "wlan0", downAtSeconds: DOWN_AT });
    t.is((await read(SERVER, flipDir, resultFileNames.exitStatus))?.trim(), "0", await read(SERVER, flipDir, resultFileNames.runnerLog));
    t.log(`\n${formatRunTable(run)}`);
    t.is(status, 0);
    t.true(run.summary.survived, run.summary.error);
    t.true(run.summary.mptcpVerified);
    t.not(run.summary.linkDownAt, null);
    t.not(run.summary.linkUpAt, null);
    await assertHostsClean(t);
});

integration("restore stops a flip still waiting for its test, and its unit is gone", async (t) => {
    const flipDir = path.join(RESULTS, "orphan-flip");
    const armed = await runRunner(SERVER, flipArguments({
        failure: { interface: "wlan0", downAtSeconds: 1 },
        watchPort: nextPort++, // nothing will connect
        durationSeconds: DURATION,
        resultsDir: flipDir,
        detach: true,
    }));
    t.is(armed, 0, await read(SERVER, flipDir, resultFileNames.runnerLog));
    t.deepEqual((await runnerUnits(SERVER)).map((line) => line.split(" ")[0]), ["mptcp-lab-flip-wlan0.service"]);
    t.is(await runRunner(SERVER, restoreArguments({ interface: "wlan0", resultsDir: flipDir })), 0);
    t.is((await read(SERVER, flipDir, resultFileNames.exitStatus))?.trim(), "143");
    await assertHostsClean(t);
});

integration("serve and a detached flip return at once and leave the caller's output closed", async (t) => {
    const port = nextPort++;
    const dir = path.join(RESULTS, "detached");
    const within = async (started: Promise<number>): Promise<number | "hung"> =>
        Promise.race([started, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 10_000))]);
    const serve = await startRunner(SERVER, serveArguments({ port, timeoutSeconds: 60, resultsDir: dir, intervalSeconds: 0.1, mptcpize: false }));
    t.is(await within(serve.exited), 0);
    const flip = await startRunner(SERVER, flipArguments({
        failure: { interface: "wlan0", downAtSeconds: 1 }, watchPort: port, durationSeconds: DURATION, resultsDir: dir, detach: true,
    }));
    t.is(await within(flip.exited), 0);
    t.is(await runRunner(SERVER, restoreArguments({ interface: "wlan0", resultsDir: dir })), 0);
    await stopServer(port);
    await assertHostsClean(t);
});

integration("restore brings a link up and does nothing to a link that is up", async (t) => {
    await setLink(CLIENT, "wlan0", "down");
    t.is(await runRunner(CLIENT, restoreArguments({ interface: "wlan0" })), 0);
    t.true(await linkIsUp(CLIENT, "wlan0"));
    t.is(await runRunner(CLIENT, restoreArguments({ interface: "wlan0" })), 0);
    t.true(await linkIsUp(CLIENT, "wlan0"));
});
