// Turns a failover run's raw files into typed results. Pure: no I/O, no clock.
import { dataConnections, parseMonitorLog } from "./monitor-log";
import { parseIperf3Json, versionNumber } from "./iperf3-json";
import { parseLinkEvents, parseRunnerMeta, type LinkEvents, type RunnerMeta } from "./run-files";
import type {
    FailoverMode,
    FailoverRun,
    FailoverRunFiles,
    FailoverSchedule,
    FailoverSummary,
    IntervalSample,
} from "./types";

/** Slow start, left out of the baseline. */
export const SLOW_START_SECONDS = 0.5;
/** Recovery is judged on a rolling window this long, because single short intervals jitter. */
export const RECOVERY_WINDOW_SECONDS = 0.5;
/** "Recovered" means back within 10% of the reference rate. */
export const RECOVERED_FRACTION = 0.9;
/** "Stalled" means under 1% of the baseline. */
export const STALL_FRACTION = 0.01;
const EPSILON = 1e-3;

const duration = (sample: IntervalSample): number => sample.end - sample.start;

export function median(values: readonly number[]): number {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Seconds from `downAt` to the start of the first window of consecutive intervals, at least
 * RECOVERY_WINDOW_SECONDS long and beginning no earlier than the interval the link failed in,
 * whose mean rate is back within 10% of `target`; null if no window gets there.
 */
export function recoveryTime(intervals: readonly IntervalSample[], downAt: number, target: number): number | null {
    if (target <= 0) return null;
    for (let first = 0; first < intervals.length; first++) {
        if (intervals[first].end <= downAt + EPSILON) continue;
        let seconds = 0;
        let bits = 0;
        for (let last = first; last < intervals.length && seconds < RECOVERY_WINDOW_SECONDS - EPSILON; last++) {
            seconds += duration(intervals[last]);
            bits += intervals[last].bitsPerSecond * duration(intervals[last]);
        }
        if (seconds < RECOVERY_WINDOW_SECONDS - EPSILON) return null; // too little test left
        if (bits / seconds >= RECOVERED_FRACTION * target) return Math.max(0, intervals[first].start - downAt);
    }
    return null;
}

export type ThroughputSummary = Pick<
    FailoverSummary,
    | "baselineBitsPerSecond"
    | "lowestBitsPerSecond"
    | "lowestAt"
    | "stallSeconds"
    | "recoverySeconds"
    | "survivingRateBitsPerSecond"
    | "recoveryToSurvivingSeconds"
>;

/**
 * The throughput figures of a run. Without a recorded failure the whole test after slow start
 * counts as "before", the surviving rate is the baseline and the recovery figures are null.
 */
export function summariseThroughput(
    intervals: readonly IntervalSample[],
    linkDownAt: number | null,
    linkUpAt: number | null,
): ThroughputSummary {
    const downAt = linkDownAt ?? Infinity;
    const before = intervals.filter((sample) => sample.end <= downAt + EPSILON);
    const settled = before.filter((sample) => sample.start >= SLOW_START_SECONDS - EPSILON);
    const baseline = median((settled.length > 0 ? settled : before).map((sample) => sample.bitsPerSecond));
    const after =
        linkDownAt === null
            ? intervals.filter((sample) => sample.start >= SLOW_START_SECONDS - EPSILON)
            : intervals.filter((sample) => sample.end > downAt + EPSILON);
    const lowest = after.reduce<IntervalSample | null>(
        (low, sample) => (low === null || sample.bitsPerSecond < low.bitsPerSecond ? sample : low),
        null,
    );
    const stallThreshold = STALL_FRACTION * baseline;
    const stallSeconds = after
        .filter((sample) => sample.bitsPerSecond <= stallThreshold)
        .reduce((total, sample) => total + duration(sample), 0);
    if (linkDownAt === null) {
        return {
            baselineBitsPerSecond: baseline,
            lowestBitsPerSecond: lowest?.bitsPerSecond ?? 0,
            lowestAt: lowest?.start ?? 0,
            stallSeconds,
            recoverySeconds: null,
            survivingRateBitsPerSecond: baseline,
            recoveryToSurvivingSeconds: null,
        };
    }
    const upAt = linkUpAt ?? Infinity;
    const whileDown = intervals.filter(
        (sample) => sample.start >= linkDownAt - EPSILON && sample.end <= upAt + EPSILON,
    );
    const surviving = median(whileDown.map((sample) => sample.bitsPerSecond));
    return {
        baselineBitsPerSecond: baseline,
        lowestBitsPerSecond: lowest?.bitsPerSecond ?? 0,
        lowestAt: lowest?.start ?? linkDownAt,
        stallSeconds,
        recoverySeconds: recoveryTime(intervals, linkDownAt, baseline),
        survivingRateBitsPerSecond: surviving,
        recoveryToSurvivingSeconds:
            surviving > stallThreshold ? recoveryTime(intervals, linkDownAt, surviving) : null,
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
 * Link times relative to the test start. Events from `flip` on another host count from that
 * host's own start line, so that the two hosts' clocks need not agree.
 */
function linkTimes(
    link: LinkEvents | null,
    reference: number | null,
    schedule: FailoverSchedule,
): { downAt: number | null; upAt: number | null } {
    if (link === null) return { downAt: schedule.downAtSeconds, upAt: schedule.upAtSeconds ?? null };
    const origin = link.start?.kind === "connection" ? link.start.epoch : (reference ?? link.start?.epoch ?? null);
    const relative = (epoch: number | null): number | null =>
        epoch === null || origin === null ? null : epoch - origin;
    return { downAt: relative(link.downEpoch), upAt: relative(link.upEpoch) };
}

export function analyseRun(files: FailoverRunFiles, schedule: FailoverSchedule): FailoverRun {
    const report = parseIperf3Json(files.clientJson);
    const { meta, problem } = readMeta(files.meta);
    const link = files.linkEvents === undefined ? null : parseLinkEvents(files.linkEvents);
    // 3.20+ stamps the test start itself; older versions rely on the runner's clock reading.
    const reference =
        report.startEpochSeconds ?? meta?.startedAt ?? (link?.start?.kind === "iperf3" ? link.start.epoch : null);
    const events = parseMonitorLog(files.monitorLog ?? "", reference);
    const mode: FailoverMode =
        schedule.mode ?? meta?.mode ?? (events.some((event) => event.type === "CREATED") ? "native" : "tcp");
    const { subflowsJoined } = dataConnections(events, {
        port: report.port ?? meta?.port ?? null,
        controlConnectionIsMptcp: mode === "mptcpize",
    });
    const { downAt, upAt } = linkTimes(link, reference, schedule);

    const intervals = report.intervals;
    const requested = report.durationSeconds ?? meta?.durationSeconds ?? null;
    const lastEnd = intervals.length > 0 ? intervals[intervals.length - 1].end : 0;
    const nominalInterval = meta?.intervalSeconds ?? (intervals.length > 0 ? duration(intervals[0]) : 0);
    const ranFullDuration = requested !== null && lastEnd + Math.max(0.05, nominalInterval / 2) >= requested;
    const error =
        report.error ??
        (ranFullDuration ? undefined : `the test stopped at ${lastEnd.toFixed(2)} s of ${requested ?? "?"} s`) ??
        (report.complete ? undefined : "iperf3 reported no receiver totals") ??
        problem;
    const intervalBytes = intervals.reduce((total, sample) => total + (sample.bitsPerSecond * duration(sample)) / 8, 0);

    const summary: FailoverSummary = {
        ...summariseThroughput(intervals, downAt, upAt),
        totalBytes: Math.round(report.receivedBytes ?? intervalBytes),
        retransmits: report.retransmits,
        survived: report.error === null && report.complete && ranFullDuration,
        mptcpVerified: subflowsJoined >= 1,
        subflowsJoined,
        linkDownAt: downAt,
        linkUpAt: upAt,
        ...(error === undefined ? {} : { error }),
    };
    return {
        mode,
        intervals,
        events,
        summary,
        iperf3Version: report.version ?? versionNumber(meta?.iperf3Version) ?? "unknown",
        failedInterface: link?.interface ?? null,
    };
}
