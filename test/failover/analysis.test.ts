import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { analyseRun, formatRunTable } from "../../failover";
import { currentRun, figureSamples } from "../../failover/analysis";
import { NO_OUTPUT_ERROR, TRUNCATED_ERROR } from "../../failover/iperf3-json";
import type { FailoverMode, FailoverRunFiles } from "../../failover";

const FIXTURES = path.join(__dirname, "..", "fixtures", "failover");
const SCHEDULE = { downAtSeconds: 2 };

function fixture(name: string): FailoverRunFiles {
    const read = (file: string): string | undefined => {
        const full = path.join(FIXTURES, name, file);
        return fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
    };
    return {
        clientJson: read("client.json") ?? "",
        monitorLog: read("monitor.log"),
        linkEvents: read("link-events"),
        meta: read("meta.json"),
    };
}

interface Expected {
    mode: FailoverMode;
    survived: boolean;
    mptcpVerified: boolean;
    subflowsJoined: number;
    intervals: number;
    recovered: boolean;
    recoveredToSurviving: boolean;
    error?: string;
}

const analyses = test.macro({
    exec(t, name: string, expected: Expected) {
        const run = analyseRun(fixture(name), SCHEDULE);
        t.is(run.mode, expected.mode);
        t.is(run.iperf3Version, "3.12");
        t.is(run.summary.survived, expected.survived);
        t.is(run.summary.mptcpVerified, expected.mptcpVerified);
        t.is(run.summary.subflowsJoined, expected.subflowsJoined);
        t.is(run.intervals.length, expected.intervals);
        t.is(run.summary.recoveryToBaselineSeconds !== null, expected.recovered);
        t.is(run.summary.recoveryToSurvivingSeconds !== null, expected.recoveredToSurviving);
        t.is(run.summary.error, expected.error);
    },
    title: (providedTitle = "") => providedTitle,
});

const mptcp = { mode: "mptcpize", mptcpVerified: true, subflowsJoined: 2 } as const;
const tcp = { mode: "tcp", mptcpVerified: false, subflowsJoined: 0 } as const;

test("an MPTCP run survives the client's wlan0 failing but never regains the two-path rate", analyses, "mptcpize-forward",
    { ...mptcp, survived: true, intervals: 24, recovered: false, recoveredToSurviving: true });
test("a reverse MPTCP run survives and recovers to the baseline", analyses, "mptcpize-reverse",
    { ...mptcp, survived: true, intervals: 24, recovered: true, recoveredToSurviving: true });
test("an MPTCP run survives the server's wlan0 failing under flip", analyses, "server-flip",
    { ...mptcp, survived: true, intervals: 24, recovered: true, recoveredToSurviving: true });
test("a plain-TCP control through wlan0 completes but never recovers while the link stays down", analyses, "tcp-control",
    { ...tcp, survived: true, intervals: 24, recovered: false, recoveredToSurviving: false });
test("a plain-TCP control recovers only after its link comes back", analyses, "tcp-control-up",
    { ...tcp, survived: true, intervals: 24, recovered: true, recoveredToSurviving: false });
test("an interrupted run keeps the intervals seen so far and does not survive", analyses, "interrupted",
    { ...mptcp, survived: false, intervals: 12, recovered: false, recoveredToSurviving: true, error: "interrupt - the client has terminated" });
test("a run whose output was cut short keeps its complete intervals", analyses, "truncated",
    { ...mptcp, survived: false, intervals: 7, recovered: false, recoveredToSurviving: false, error: TRUNCATED_ERROR });
test("a run killed before it reported has no intervals and a clear error", analyses, "killed",
    { ...mptcp, survived: false, intervals: 0, recovered: false, recoveredToSurviving: false, error: NO_OUTPUT_ERROR });
test("a refused connection is a failed run with iperf3's error", analyses, "refused",
    { mode: "mptcpize", mptcpVerified: false, subflowsJoined: 0, survived: false, intervals: 0, recovered: false, recoveredToSurviving: false, error: "unable to connect to server: Connection refused" });

test("the forward MPTCP run reports its dip, stall and surviving rate", (t) => {
    const { summary } = analyseRun(fixture("mptcpize-forward"), SCHEDULE);
    // Bytes over time: 0.5 s to the failure, and the outage from 1 s after it to the end.
    t.is(Math.round(summary.baselineBitsPerSecond / 1e6), 279);
    t.is(summary.lowestBitsPerSecond, 0);
    t.is(summary.stallSeconds.toFixed(2), "0.75");
    t.is(summary.stallAt?.toFixed(3), "2.003");
    t.is(Math.round(summary.survivingRateBitsPerSecond / 1e6), 189); // 210, 210, 168, 168, ... (was the median: 168)
    t.is(Math.round(summary.meanRateWhileDownBitsPerSecond / 1e6), 144);
    t.is(summary.recoveryToSurvivingSeconds?.toFixed(2), "1.00");
    t.is(summary.recoveryToBaselineSeconds, null);
    t.is(summary.linkDownAt?.toFixed(3), "2.003");
    t.is(summary.linkUpAt?.toFixed(3), "6.005");
    t.is(summary.totalBytes, 142803280); // the receiver's count, not the sender's
    t.is(summary.retransmits, 0);
});

test("reverse intervals are the receiver's and carry no retransmits or cwnd", (t) => {
    const run = analyseRun(fixture("mptcpize-reverse"), SCHEDULE);
    t.true(run.intervals.every((sample) => sample.retransmits === null && sample.cwndBytes === null));
    t.true(run.intervals.some((sample) => sample.bitsPerSecond > 0));
});

test("forward intervals carry the sender's retransmits and the first subflow's cwnd", (t) => {
    const run = analyseRun(fixture("mptcpize-forward"), SCHEDULE);
    t.true(run.intervals.every((sample) => sample.retransmits !== null && sample.cwndBytes !== null));
});

test("monitor events are timed from the test start", (t) => {
    const run = analyseRun(fixture("mptcpize-forward"), SCHEDULE);
    const joined = run.events.filter((event) => event.type === "SF_ESTABLISHED");
    t.is(joined.length, 4); // two connections (control and data) with two subflows each
    t.true(joined.every((event) => event.time > 0 && event.time < 1));
    t.deepEqual(
        joined.map((event) => event.fields.saddr4).sort(),
        ["198.18.200.133", "198.18.200.133", "198.18.200.173", "198.18.200.173"],
    );
});

test("link events from another host are timed from that host's own start line", (t) => {
    const files = fixture("server-flip");
    const skewed = (files.linkEvents ?? "").replace(/^(\d+)\./gm, (_, seconds: string) => `${Number(seconds) + 3600}.`);
    const honest = analyseRun(files, SCHEDULE).summary;
    const withSkew = analyseRun({ ...files, linkEvents: skewed }, SCHEDULE).summary;
    t.is(honest.linkDownAt?.toFixed(3), "2.008");
    t.is(withSkew.linkDownAt, honest.linkDownAt);
    t.is(withSkew.linkUpAt, honest.linkUpAt);
});

test("iperf3 3.20's own start time takes precedence over the runner's clock reading", (t) => {
    const files = fixture("mptcpize-forward");
    const startedAt = JSON.parse(files.meta ?? "{}").startedAt as number;
    // 3.20+ adds start.timestamp.timemillisecs; added here to a 3.12 capture, 100 ms later.
    const report = JSON.parse(files.clientJson);
    report.start.timestamp.timemillisecs = Math.round((startedAt + 0.1) * 1000);
    const fromMeta = analyseRun(files, SCHEDULE).summary.linkDownAt ?? NaN;
    const fromIperf3 = analyseRun({ ...files, clientJson: JSON.stringify(report) }, SCHEDULE).summary.linkDownAt ?? NaN;
    t.is((fromMeta - fromIperf3).toFixed(2), "0.10");
});

test("without link events the requested schedule stands in for them", (t) => {
    const { summary, failedInterface } = analyseRun(
        { ...fixture("mptcpize-forward"), linkEvents: undefined },
        { downAtSeconds: 2, upAtSeconds: 5 },
    );
    t.is(summary.linkDownAt, 2);
    t.is(summary.linkUpAt, 5);
    t.is(failedInterface, null);
});

test("without meta.json the mode comes from the schedule and times from the link events", (t) => {
    const run = analyseRun({ ...fixture("mptcpize-forward"), meta: undefined }, { downAtSeconds: 2, mode: "mptcpize" });
    t.is(run.mode, "mptcpize");
    t.is(run.summary.subflowsJoined, 2);
    t.is(run.summary.linkDownAt?.toFixed(3), "2.003");
});

test("a link events file without a down event means the link never failed", (t) => {
    const files = fixture("mptcpize-forward");
    const startOnly = (files.linkEvents ?? "").split("\n")[0];
    const { summary } = analyseRun({ ...files, linkEvents: startOnly }, SCHEDULE);
    t.is(summary.linkDownAt, null);
    t.is(summary.recoveryToBaselineSeconds, null);
});

test("a meta.json that is not JSON is reported, not thrown", (t) => {
    const { summary } = analyseRun({ ...fixture("mptcpize-forward"), meta: "{" }, { downAtSeconds: 2, mode: "mptcpize" });
    t.is(summary.error, "meta.json is not valid JSON");
    t.true(summary.survived);
});

test("a re-announced endpoint and the subflow it brought back are failback figures from link up", (t) => {
    const files = fixture("mptcpize-forward");
    const start = Number((files.linkEvents ?? "").split(" ")[0]);
    // The link back at 4 s instead of the end, its endpoint re-announced, a new subflow on the
    // data connection (the second MPTCP connection; the first is iperf3's control connection).
    const linkEvents = [`${start} start iperf3`, `${(start + 2.0028).toFixed(6)} down wlan0`, `${(start + 4).toFixed(6)} up wlan0 scheduled`, `${(start + 4.002).toFixed(6)} reannounce wlan0 1`].join("\n");
    const monitorLog = `${files.monitorLog ?? ""}${(start + 4.003).toFixed(6)} [       REMOVED] token=54813d29 remid=1\n` +
        `${(start + 4.05).toFixed(6)} [SF_ESTABLISHED] token=54813d29 remid=0 locid=1 saddr4=198.18.200.173 daddr4=198.18.200.218 sport=46299 dport=5410 backup=0 ifindex=3\n`;
    const { summary } = analyseRun({ ...files, linkEvents, monitorLog }, SCHEDULE);
    t.is(summary.linkUpAt?.toFixed(3), "4.000");
    t.is(summary.endpointReannouncedAt?.toFixed(3), "4.002");
    t.is(summary.failbackSubflowSeconds?.toFixed(3), "0.050");
    t.is(summary.failbackRecoverySeconds, null); // this capture stayed at the one-path rate
});

test("without a re-announcement no failback subflow is found and the table says the connection stayed", (t) => {
    const files = fixture("mptcpize-forward");
    const start = Number((files.linkEvents ?? "").split(" ")[0]);
    const linkEvents = [`${start} start iperf3`, `${(start + 2.0028).toFixed(6)} down wlan0`, `${(start + 4).toFixed(6)} up wlan0 scheduled`].join("\n");
    const run = analyseRun({ ...files, linkEvents }, SCHEDULE);
    t.is(run.summary.endpointReannouncedAt, null);
    t.is(run.summary.failbackSubflowSeconds, null);
    t.regex(formatRunTable(run), /^Failback {10}off: after wlan0 came back the connection stayed on the surviving path/m);
});

test("a link back only at the end of the test measures no failback", (t) => {
    t.regex(formatRunTable(analyseRun(fixture("mptcpize-forward"), SCHEDULE)), /^Failback {10}not measured: wlan0 came back only at the end of the test/m);
});

/** A server's `-J` report of a forward run (the receiver): `rates` in Mbit/s, one per `step` s. */
function serverReport(rates: readonly number[], step: number): string {
    const intervals = rates.map((mbit, i) => {
        const sum = { start: i * step, end: (i + 1) * step, seconds: step, bytes: (mbit * 1e6 * step) / 8, bits_per_second: mbit * 1e6, omitted: false, sender: false };
        return { streams: [{ ...sum, socket: 5 }], sum };
    });
    return JSON.stringify({ start: { version: "iperf 3.12", test_start: { protocol: "TCP", duration: 6, reverse: 0 } }, intervals, end: {} });
}

/** 6 s at 0.25 s: 200 Mbit/s to the failure at 2 s, nothing for 0.5 s, then 100 Mbit/s. */
const RECEIVED = [...Array<number>(8).fill(200), 0, 0, ...Array<number>(14).fill(100)];

test("a forward run's figures come from the receiver's samples, the client's stay as they were", (t) => {
    const files = fixture("mptcpize-forward");
    const clientOnly = analyseRun(files, SCHEDULE);
    const run = analyseRun({ ...files, serverJson: serverReport(RECEIVED, 0.25) }, SCHEDULE);
    t.is(clientOnly.figuresFrom, "client");
    t.is(run.figuresFrom, "server");
    t.deepEqual(run.intervals, clientOnly.intervals);
    t.is(run.serverIntervals?.length, RECEIVED.length);
    t.true(figureSamples(run) === run.serverIntervals, "the chart shows the series the figures come from");
    t.is(figureSamples(clientOnly), clientOnly.intervals);
    t.is(Math.round(run.summary.baselineBitsPerSecond / 1e6), 200); // the client's writes: 279
    t.is(Math.round(run.summary.survivingRateBitsPerSecond / 1e6), 100);
    t.is(run.summary.stallSeconds.toFixed(2), "0.50"); // from the failure at 2.003 s to 2.5 s
    t.is(run.summary.stallAt?.toFixed(3), "2.003");
    t.is(run.summary.recoveryToBaselineSeconds, null);
    t.is(run.summary.totalBytes, clientOnly.summary.totalBytes, "the total stays iperf3's receiver count");
    t.regex(formatRunTable(run), /^Figures .*the receiver's counts \(server\.json\)/m);
    t.regex(formatRunTable(clientOnly), /^Figures .*the client's counts \(client\.json\)/m);
});

test("a reverse run's figures stay the client's, which received", (t) => {
    const files = fixture("mptcpize-reverse");
    const run = analyseRun({ ...files, serverJson: serverReport(RECEIVED, 0.25) }, SCHEDULE);
    t.is(run.figuresFrom, "client");
    t.deepEqual(run.summary, analyseRun(files, SCHEDULE).summary);
});

test("a server report at another pace than the client's is not used for the figures", (t) => {
    const run = analyseRun({ ...fixture("mptcpize-forward"), serverJson: serverReport([200, 200, 100, 100, 100, 100], 1) }, SCHEDULE);
    t.is(run.figuresFrom, "client");
    t.is(run.serverIntervals?.length, 6, "its samples are kept all the same");
});

test("an output summarised again takes its figures from the series they came from", (t) => {
    const run = analyseRun({ ...fixture("mptcpize-forward"), serverJson: serverReport(RECEIVED, 0.25) }, SCHEDULE);
    // Recorded before the rolling window: no windowSeconds, so it is summarised again.
    const older: Partial<typeof run.summary> = { ...run.summary };
    delete older.windowSeconds;
    const again = currentRun({ ...run, summary: older as typeof run.summary });
    t.is(again.summary.windowSeconds, 0.5);
    t.is(Math.round(again.summary.baselineBitsPerSecond / 1e6), 200);
    t.is(Math.round(again.summary.survivingRateBitsPerSecond / 1e6), 100);
});
