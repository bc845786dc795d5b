// Turns a failover run's raw files into typed results. Pure: no I/O, no clock.
import { dataConnections, parseMonitorLog } from "./monitor-log";
import { parseIperf3Json, versionNumber } from "./iperf3-json";
import { parseLinkEvents, parseRunnerMeta, type LinkEvents, type RunnerMeta } from "./run-files";
import { longestStall, meanRate, recoveryTime as recoveryWithin, rollingRates, ROLLING_WINDOW_SECONDS, sampleSeconds } from "./series";
import type {
    FailoverMode,
    FailoverRun,
    FailoverRunFiles,
    FailoverSchedule,
    FailoverSummary,
    FiguresSource,
    IntervalSample,
    MonitorEvent,
} from "./types";

/** Slow start, left out of the baseline. */
export const SLOW_START_SECONDS = 0.5;
/** The surviving rate leaves out this much of the outage's start (at most half the outage). */
export const SETTLE_SECONDS = 1;
/** "Recovered" means back within 10% of the reference rate. */
export const RECOVERED_FRACTION = 0.9;
/** "Stalled" means under 1% of the baseline. */
export const STALL_FRACTION = 0.01;
const EPSILON = 1e-3;

export function median(values: readonly number[]): number {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Recovery to `target` (see series.ts), with the house fraction: back within 10%. */
export const recoveryTime = (intervals: readonly IntervalSample[], downAt: number, target: number): number | null =>
    recoveryWithin(intervals, downAt, target, RECOVERED_FRACTION);

export type ThroughputSummary = Pick<
    FailoverSummary,
    | "windowSeconds"
    | "baselineBitsPerSecond"
    | "lowestBitsPerSecond"
    | "lowestAt"
    | "stallSeconds"
    | "stallAt"
    | "recoveryToBaselineSeconds"
    | "survivingRateBitsPerSecond"
    | "survivingRateFrom"
    | "meanRateWhileDownBitsPerSecond"
    | "recoveryToSurvivingSeconds"
>;

/** The pre-failure baseline: bytes from the end of slow start to the failure, over that time. */
function baselineRate(intervals: readonly IntervalSample[], downAt: number): number {
    const first = intervals[0]?.start ?? 0;
    const end = Math.min(downAt, intervals.at(-1)?.end ?? 0);
    const settled = end - (first + SLOW_START_SECONDS) > EPSILON ? meanRate(intervals, first + SLOW_START_SECONDS, end) : null;
    return settled ?? meanRate(intervals, first, end) ?? 0;
}

/** The lowest rolling-window rate among windows that begin no earlier than the failure's sample. */
function lowestWindow(intervals: readonly IntervalSample[], from: number): { bitsPerSecond: number; at: number } | null {
    const failing = intervals.find((sample) => sample.end > from + EPSILON);
    if (failing === undefined) return null;
    const windows = rollingRates(intervals).filter((window) => window.start >= failing.start - EPSILON);
    // A failure too close to the end for a whole window: the samples themselves are all there is.
    const candidates = windows.length > 0 ? windows : intervals.filter((sample) => sample.end > from + EPSILON);
    return candidates.reduce<{ bitsPerSecond: number; at: number } | null>(
        (low, window) => (low === null || window.bitsPerSecond < low.bitsPerSecond ? { bitsPerSecond: window.bitsPerSecond, at: window.start } : low),
        null,
    );
}

/**
 * The throughput figures of a run. Without a recorded failure the whole test after slow start
 * counts as "before", the surviving rate is the baseline and the recovery figures are null.
 */
export function summariseThroughput(
    intervals: readonly IntervalSample[],
    linkDownAt: number | null,
    linkUpAt: number | null,
): ThroughputSummary {
    const testStart = intervals[0]?.start ?? 0;
    const testEnd = intervals.at(-1)?.end ?? 0;
    const baseline = baselineRate(intervals, linkDownAt ?? Infinity);
    const from = linkDownAt ?? testStart + SLOW_START_SECONDS;
    const lowest = lowestWindow(intervals, from);
    const stallThreshold = STALL_FRACTION * baseline;
    const stall = longestStall(intervals, from, stallThreshold);
    const common = {
        windowSeconds: ROLLING_WINDOW_SECONDS,
        baselineBitsPerSecond: baseline,
        lowestBitsPerSecond: lowest?.bitsPerSecond ?? 0,
        lowestAt: lowest?.at ?? from,
        stallSeconds: stall.seconds,
        stallAt: stall.at,
    };
    if (linkDownAt === null) {
        return {
            ...common,
            survivingRateFrom: null,
            recoveryToBaselineSeconds: null,
            survivingRateBitsPerSecond: baseline,
            meanRateWhileDownBitsPerSecond: baseline,
            recoveryToSurvivingSeconds: null,
        };
    }
    const upAt = Math.min(linkUpAt ?? Infinity, testEnd);
    const outage = Math.max(0, upAt - linkDownAt);
    // Past the failure's transient: a second in (at most half the outage), or the stall's end when
    // that comes later and leaves a whole window before the link returns.
    const settled = linkDownAt + Math.min(SETTLE_SECONDS, outage / 2);
    const stallEnd = stall.at === null ? null : stall.at + stall.seconds;
    const survivingFrom = stallEnd !== null && stallEnd > settled && stallEnd <= upAt - ROLLING_WINDOW_SECONDS ? stallEnd : settled;
    const surviving = meanRate(intervals, survivingFrom, upAt) ?? 0;
    return {
        ...common,
        survivingRateFrom: survivingFrom,
        recoveryToBaselineSeconds: recoveryTime(intervals, linkDownAt, baseline),
        survivingRateBitsPerSecond: surviving,
        meanRateWhileDownBitsPerSecond: meanRate(intervals, linkDownAt, upAt) ?? 0,
        recoveryToSurvivingSeconds: surviving > stallThreshold ? recoveryTime(intervals, linkDownAt, surviving) : null,
    };
}

/** Bytes moved from `time` on, counting the share of the interval that contains it. */
export function bytesAfter(intervals: readonly IntervalSample[], time: number): number {
    return intervals.reduce((total, sample) => {
        const seconds = Math.max(0, sample.end - Math.max(sample.start, time));
        return total + (sample.bitsPerSecond * seconds) / 8;
    }, 0);
}

function readMeta(text: string | undefined): { meta: RunnerMeta | null; problem?: string } {
    if (text === undefined || text.trim() === "") return { meta: null };
    try {
        return { meta: parseRunnerMeta(text) };
    } catch {
        return { meta: null, problem: "meta.json is not valid JSON" };
    }
}

/**
 * After the link came back: when a subflow joined the data connection again, and when the rate was
 * back within 10% of the two-path baseline. Both count from link up.
 */
export function failbackFigures(
    intervals: readonly IntervalSample[],
    events: readonly MonitorEvent[],
    tokens: readonly string[],
    link: { downAt: number | null; upAt: number | null; reannouncedAt: number | null },
): Pick<FailoverSummary, "endpointReannouncedAt" | "failbackSubflowSeconds" | "failbackRecoverySeconds"> {
    const { downAt, upAt } = link;
    if (downAt === null || upAt === null) return { endpointReannouncedAt: link.reannouncedAt, failbackSubflowSeconds: null, failbackRecoverySeconds: null };
    const joined = events.find((event) => event.type === "SF_ESTABLISHED" && event.time >= upAt - EPSILON && tokens.includes(event.fields.token ?? ""));
    const baseline = summariseThroughput(intervals, downAt, upAt).baselineBitsPerSecond;
    return {
        endpointReannouncedAt: link.reannouncedAt,
        failbackSubflowSeconds: joined === undefined ? null : joined.time - upAt,
        failbackRecoverySeconds: recoveryTime(intervals, upAt, baseline),
    };
}

/** One epoch time of the link events relative to the test start (see linkTimes). */
function linkTime(link: LinkEvents | null, reference: number | null, epoch: number | null): number | null {
    if (link === null || epoch === null) return null;
    const origin = link.start?.kind === "connection" ? link.start.epoch : (reference ?? link.start?.epoch ?? null);
    return origin === null ? null : epoch - origin;
}

/**
 * Link times relative to the test start. Events from `flip` on another host count from that
 * host's own start line, so that the two hosts' clocks need not agree.
 */
function linkTimes(
    link: LinkEvents | null,
    reference: number | null,
    schedule: FailoverSchedule,
): { downAt: number | null; upAt: number | null } {
    if (link === null) return { downAt: schedule.downAtSeconds, upAt: schedule.upAtSeconds ?? null };
    return { downAt: linkTime(link, reference, link.downEpoch), upAt: linkTime(link, reference, link.upEpoch) };
}

/**
 * The receiver's samples, which the figures come from: the server's in a forward run (the
 * client's samples there count what it wrote, which overshoots the path), the client's own with
 * `-R`. Falls back to the client's when the server's report has no samples at the client's pace
 * (missing, cut short, or at another interval).
 */
export function receiverSeries(
    client: { intervals: readonly IntervalSample[]; reverse: boolean | null },
    server: readonly IntervalSample[],
): { from: FiguresSource; intervals: readonly IntervalSample[] } {
    if (client.reverse === true || server.length === 0) return { from: "client", intervals: client.intervals };
    const pace = (samples: readonly IntervalSample[]) => (samples.length === 0 ? null : sampleSeconds(samples[0]));
    const clientPace = pace(client.intervals);
    const serverPace = pace(server);
    if (clientPace !== null && serverPace !== null && Math.abs(clientPace - serverPace) > clientPace / 2) return { from: "client", intervals: client.intervals };
    return { from: "server", intervals: server };
}

/** The samples a run's figures come from (`figuresFrom`): what charts and byte counts should show. */
export function figureSamples(run: Pick<FailoverRun, "intervals" | "serverIntervals" | "figuresFrom">): readonly IntervalSample[] {
    return run.figuresFrom === "server" && run.serverIntervals !== undefined ? run.serverIntervals : run.intervals;
}

export function analyseRun(files: FailoverRunFiles, schedule: FailoverSchedule): FailoverRun {
    const report = parseIperf3Json(files.clientJson);
    const serverIntervals = files.serverJson === undefined ? [] : parseIperf3Json(files.serverJson).intervals;
    const figures = receiverSeries(report, serverIntervals);
    const { meta, problem } = readMeta(files.meta);
    const link = files.linkEvents === undefined ? null : parseLinkEvents(files.linkEvents);
    // 3.20+ stamps the test start itself; older versions rely on the runner's clock reading.
    const reference =
        report.startEpochSeconds ?? meta?.startedAt ?? (link?.start?.kind === "iperf3" ? link.start.epoch : null);
    const events = parseMonitorLog(files.monitorLog ?? "", reference);
    const mode: FailoverMode =
        schedule.mode ?? meta?.mode ?? (events.some((event) => event.type === "CREATED") ? "native" : "tcp");
    const { subflowsJoined, tokens } = dataConnections(events, {
        port: report.port ?? meta?.port ?? null,
        controlConnectionIsMptcp: mode === "mptcpize",
    });
    const { downAt, upAt } = linkTimes(link, reference, schedule);

    const intervals = report.intervals;
    const requested = report.durationSeconds ?? meta?.durationSeconds ?? null;
    const lastEnd = intervals.length > 0 ? intervals[intervals.length - 1].end : 0;
    const nominalInterval = meta?.intervalSeconds ?? (intervals.length > 0 ? sampleSeconds(intervals[0]) : 0);
    const ranFullDuration = requested !== null && lastEnd + Math.max(0.05, nominalInterval / 2) >= requested;
    const error =
        report.error ??
        (ranFullDuration ? undefined : `the test stopped at ${lastEnd.toFixed(2)} s of ${requested ?? "?"} s`) ??
        (report.complete ? undefined : "iperf3 reported no receiver totals") ??
        problem;
    const intervalBytes = intervals.reduce((total, sample) => total + (sample.bitsPerSecond * sampleSeconds(sample)) / 8, 0);

    const summary: FailoverSummary = {
        ...summariseThroughput(figures.intervals, downAt, upAt),
        totalBytes: Math.round(report.receivedBytes ?? intervalBytes),
        retransmits: report.retransmits,
        survived: report.error === null && report.complete && ranFullDuration,
        mptcpVerified: subflowsJoined >= 1,
        subflowsJoined,
        linkDownAt: downAt,
        linkUpAt: upAt,
        ...failbackFigures(figures.intervals, events, tokens, { downAt, upAt, reannouncedAt: linkTime(link, reference, link?.reannounceEpoch ?? null) }),
        ...(error === undefined ? {} : { error }),
    };
    return {
        mode,
        intervals,
        serverIntervals,
        figuresFrom: figures.from,
        events,
        summary,
        iperf3Version: report.version ?? versionNumber(meta?.iperf3Version) ?? "unknown",
        failedInterface: link?.interface ?? null,
    };
}

/**
 * The run with today's figures. Outputs recorded before the figures were defined over a rolling
 * window (no `windowSeconds`) are summarised again from their raw intervals; failback figures
 * they never had are null.
 */
export function currentRun(run: FailoverRun): FailoverRun {
    const recorded = run.summary as Partial<FailoverSummary> & FailoverSummary;
    if (typeof recorded.windowSeconds === "number" && recorded.survivingRateFrom !== undefined && recorded.failbackRecoverySeconds !== undefined) return run;
    const { linkDownAt, linkUpAt } = run.summary;
    const failback = { endpointReannouncedAt: null, failbackSubflowSeconds: null, failbackRecoverySeconds: null };
    return { ...run, summary: { ...failback, ...run.summary, ...summariseThroughput(figureSamples(run), linkDownAt, linkUpAt) } };
}
