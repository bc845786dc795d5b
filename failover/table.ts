// Prints a failover run the way iperf3 prints a test, with the failure marked, then the summary
// and, given a plain-TCP control run, what MPTCP saved.
import { bytesAfter, currentRun, figureSamples, SLOW_START_SECONDS, STALL_FRACTION } from "./analysis";
import { STALL_RESOLUTION_SECONDS } from "./series";
import type { FailoverRun, IntervalSample } from "./types";

/** Scales a value into the largest unit it fills, the way iperf3 prints it. */
function scaled(amount: number, step: number, units: readonly string[]): string {
    let value = amount;
    let unit = 0;
    while (Math.abs(value) >= step && unit < units.length - 1) {
        value /= step;
        unit++;
    }
    return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** iperf3's units: decimal bits per second, binary bytes. */
export function formatBitrate(bitsPerSecond: number): string {
    return scaled(bitsPerSecond, 1000, ["bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec"]);
}

export function formatBytes(bytes: number): string {
    return scaled(bytes, 1024, ["Bytes", "KBytes", "MBytes", "GBytes"]);
}

const SLOW_START_LABEL = `${SLOW_START_SECONDS} s`;

/** A time in seconds, or "never" for one that did not happen. */
export function formatSeconds(value: number | null): string {
    return value === null ? "never" : `${value.toFixed(2)} s`;
}

const contains = (sample: IntervalSample, time: number | null): boolean =>
    time !== null && sample.start <= time && time < sample.end;

function markers(run: FailoverRun, sample: IntervalSample): string[] {
    const { summary } = run;
    const name = run.failedInterface ?? "link";
    const found: string[] = [];
    if (contains(sample, summary.linkDownAt)) found.push(`${name} down`);
    if (contains(sample, summary.linkUpAt)) found.push(`${name} up`);
    const at = (offset: number | null): number | null =>
        offset === null || summary.linkDownAt === null ? null : summary.linkDownAt + offset;
    const recovered = at(summary.recoveryToBaselineSeconds);
    const recoveredToSurviving = at(summary.recoveryToSurvivingSeconds);
    if (contains(sample, recoveredToSurviving)) found.push("back to the surviving rate");
    if (contains(sample, recovered)) found.push("back to the baseline");
    return found;
}

function intervalRows(run: FailoverRun): string[] {
    const rows = ["[ ID] Interval           Transfer      Bitrate           Retr      Cwnd"];
    for (const sample of run.intervals) {
        const transfer = (sample.bitsPerSecond * (sample.end - sample.start)) / 8;
        const row =
            `[SUM] ${sample.start.toFixed(2).padStart(6)}-${sample.end.toFixed(2).padEnd(6)} sec ` +
            `${formatBytes(transfer).padStart(12)} ${formatBitrate(sample.bitsPerSecond).padStart(15)} ` +
            `${(sample.retransmits === null ? "" : String(sample.retransmits)).padStart(6)} ` +
            `${(sample.cwndBytes === null ? "" : formatBytes(sample.cwndBytes)).padStart(11)}`;
        const marks = markers(run, sample);
        rows.push(marks.length > 0 ? `${row}   <-- ${marks.join(", ")}` : row);
    }
    return rows;
}

function survivingNote({ summary }: FailoverRun): string {
    if (summary.linkDownAt === null) return " (no failure: the baseline)";
    const from = summary.survivingRateFrom === null ? "" : `, from ${formatSeconds(summary.survivingRateFrom - summary.linkDownAt)} after the failure`;
    const stretch = ` (mean while down${from})`;
    if (summary.survivingRateBitsPerSecond <= STALL_FRACTION * summary.baselineBitsPerSecond) return `${stretch}: nothing got through while the link was down`;
    return stretch;
}

/** One line per reference rate, so that a figure always means one thing. */
function recoveryRows({ summary }: FailoverRun): string[] {
    const line = (label: string, seconds: number | null, target: string) =>
        `${label.padEnd(18)}${seconds === null ? "never" : formatSeconds(seconds)} to within 10% of ${target}`;
    const nothingSurvived = summary.survivingRateBitsPerSecond <= STALL_FRACTION * summary.baselineBitsPerSecond;
    return [
        nothingSurvived
            ? `${"Recovery (paths)".padEnd(18)}none: nothing survived to recover to`
            : line("Recovery (paths)", summary.recoveryToSurvivingSeconds, `the surviving rate, ${formatBitrate(summary.survivingRateBitsPerSecond)}`),
        line("Recovery (base)", summary.recoveryToBaselineSeconds, `the pre-failure baseline, ${formatBitrate(summary.baselineBitsPerSecond)}`),
    ];
}

/** The link came back while the test ran, early enough for one rolling window after it. */
export function linkReturnedInTime({ summary, intervals }: FailoverRun): boolean {
    return summary.linkUpAt !== null && summary.linkUpAt < (intervals.at(-1)?.end ?? 0) - summary.windowSeconds;
}

/** What happened after the link came back: the subflow re-created and the two-path rate regained, or not. */
function failbackRows(run: FailoverRun): string[] {
    const { summary } = run;
    if (run.mode === "tcp" || summary.linkDownAt === null) return [];
    const name = run.failedInterface ?? "the link";
    const label = "Failback".padEnd(18);
    if (!linkReturnedInTime(run)) {
        return [`${label}not measured: ${name} came back only at the end of the test (set failover.upAtSeconds earlier)`];
    }
    const regained = `${formatSeconds(summary.failbackRecoverySeconds)} to within 10% of the baseline`;
    if (summary.endpointReannouncedAt !== null) {
        const subflow = summary.failbackSubflowSeconds === null ? "no new subflow joined" : `new subflow after ${formatSeconds(summary.failbackSubflowSeconds)}`;
        return [`${label}endpoint re-announced ${formatSeconds((summary.endpointReannouncedAt ?? 0) - (summary.linkUpAt ?? 0))} after ${name} came back; ${subflow}; ${regained}`];
    }
    if (summary.failbackSubflowSeconds !== null) return [`${label}off, yet a subflow joined ${formatSeconds(summary.failbackSubflowSeconds)} after ${name} came back; ${regained}`];
    return [`${label}off: after ${name} came back the connection stayed on the surviving path (no new subflow; failover.failback: reannounce re-creates it)`];
}

/** Whose byte counts the figures are: the receiver's, or (no usable server.json) the client's writes. */
export function figuresSourceLabel(run: Pick<FailoverRun, "figuresFrom">): string {
    return run.figuresFrom === "server" ? "the receiver's counts (server.json)" : "the client's counts (client.json)";
}

function summaryRows(run: FailoverRun): string[] {
    const { summary } = run;
    const mptcp =
        run.mode === "tcp"
            ? "not used (plain TCP)"
            : summary.mptcpVerified
              ? `verified by the kernel: ${summary.subflowsJoined} subflow(s) joined`
              : "NOT verified: the kernel reported no joined subflow";
    const failure =
        summary.linkDownAt === null
            ? "no link failure recorded"
            : `${run.failedInterface ?? "link"} down at ${formatSeconds(summary.linkDownAt)}, up at ${formatSeconds(summary.linkUpAt)}`;
    const stall =
        summary.stallAt === null
            ? `none (no stretch of ${STALL_RESOLUTION_SECONDS} s or more under 1% of the baseline)`
            : `${formatSeconds(summary.stallSeconds)} with (nearly) nothing delivered, from ${formatSeconds(summary.stallAt)}`;
    const rows = [
        `Run               ${run.mode}, iperf3 ${run.iperf3Version}; ${failure}`,
        `Figures           bytes over time; rolling window ${summary.windowSeconds} s; ${figuresSourceLabel(run)} (see docs/failover-figures.md)`,
        `Baseline          ${formatBitrate(summary.baselineBitsPerSecond)} (mean from ${SLOW_START_LABEL} to the failure)`,
        `Surviving rate    ${formatBitrate(summary.survivingRateBitsPerSecond)}${survivingNote(run)}`,
        `Mean while down   ${formatBitrate(summary.meanRateWhileDownBitsPerSecond)} (the whole outage, stall included)`,
        `Lowest            ${formatBitrate(summary.lowestBitsPerSecond)} over ${summary.windowSeconds} s from ${formatSeconds(summary.lowestAt)}`,
        `Stall             ${stall}`,
        ...recoveryRows(run),
        ...failbackRows(run),
        `Transferred       ${formatBytes(summary.totalBytes)}, ${summary.retransmits ?? "unknown"} retransmits` +
            (run.mode === "tcp" ? "" : " (first subflow only)"),
        `Survived          ${summary.survived ? "yes" : "no"}${summary.error ? ` (${summary.error})` : ""}`,
        `MPTCP             ${mptcp}`,
    ];
    return rows;
}

function comparisonRows(run: FailoverRun, control: FailoverRun): string[] {
    const downAt = run.summary.linkDownAt;
    const controlDownAt = control.summary.linkDownAt;
    const rows = [
        `Control           ${control.mode}: survived ${control.summary.survived ? "yes" : "no"}` +
            `${control.summary.error ? ` (${control.summary.error})` : ""}, stall ${formatSeconds(control.summary.stallSeconds)}, ` +
            `mean while down ${formatBitrate(control.summary.meanRateWhileDownBitsPerSecond)}`,
    ];
    if (downAt === null || controlDownAt === null) {
        rows.push("MPTCP saved       cannot tell: a link failure is missing from one of the runs");
        return rows;
    }
    const moved = bytesAfter(figureSamples(run), downAt);
    const controlMoved = bytesAfter(figureSamples(control), controlDownAt);
    const stallSaved = control.summary.stallSeconds - run.summary.stallSeconds;
    rows.push(
        `MPTCP saved       ${formatSeconds(stallSaved)} of stall; after the failure it moved ${formatBytes(moved)} ` +
            `against ${formatBytes(controlMoved)}` +
            (run.summary.survived && !control.summary.survived ? "; the control connection did not survive" : ""),
    );
    return rows;
}

export function formatRunTable(recorded: FailoverRun, recordedControl?: FailoverRun): string {
    const run = currentRun(recorded);
    const control = recordedControl === undefined ? undefined : currentRun(recordedControl);
    const sections = [intervalRows(run), summaryRows(run)];
    if (control !== undefined) sections.push(comparisonRows(run, control));
    return sections.map((rows) => rows.join("\n")).join("\n\n") + "\n";
}
