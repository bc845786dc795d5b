import test from "ava";
import { bytesAfter, failbackFigures, median, recoveryTime, summariseThroughput } from "../../failover/analysis";
import { bitsBetween, longestStall, meanRate, rollingRates } from "../../failover/series";
import type { IntervalSample } from "../../failover";
import { recordedFailover } from "../report/fixture";

const MBIT = 1e6;

/** Intervals of `step` seconds from 0 with the given rates in Mbit/s. */
function series(step: number, rates: readonly number[]): IntervalSample[] {
    return rates.map((rate, i) => ({
        start: i * step,
        end: (i + 1) * step,
        bitsPerSecond: rate * MBIT,
        retransmits: 0,
        cwndBytes: null,
    }));
}

const repeat = (pattern: readonly number[], count: number): number[] => Array.from({ length: count }, (_, i) => pattern[i % pattern.length]);
const mbit = (bitsPerSecond: number): number => Math.round(bitsPerSecond / MBIT);
const within = (value: number, reference: number, fraction: number): boolean => Math.abs(value - reference) <= fraction * reference;

const recovery = test.macro({
    exec(t, intervals: IntervalSample[], downAt: number, targetMbit: number, expected: number | null) {
        const found = recoveryTime(intervals, downAt, targetMbit * MBIT);
        t.is(found === null ? null : Number(found.toFixed(3)), expected);
    },
    title: (providedTitle = "") => providedTitle,
});

// 0.1 s intervals: 3 s at 300, a 0.4 s stall, then 300 again.
const dipAndBack = series(0.1, [...Array(30).fill(300), 0, 0, 0, 0, ...Array(20).fill(300)]);
test("recovery counts from the failure to the start of the first good window", recovery, dipAndBack, 3.0, 300, 0.4);
test("recovery within 10% of the target counts as recovered", recovery, series(0.1, [...Array(30).fill(300), 0, ...Array(10).fill(271)]), 3.0, 300, 0.1);
test("a rate 11% short of the target never recovers", recovery, series(0.1, [...Array(30).fill(300), 0, ...Array(10).fill(266)]), 3.0, 300, null);
test("one good interval is not a recovery when the window is longer", recovery, series(0.1, [...Array(30).fill(300), 0, 300, 0, 0, 0, 0, 0, 300, 300, 300, 300, 300]), 3.0, 300, 0.7);
test("a window cut off by the end of the test does not count", recovery, series(0.1, [...Array(30).fill(300), 0, 0, 300, 300]), 3.0, 300, null);
test("a failure without a dip recovers at once", recovery, series(0.1, Array(40).fill(300)), 3.05, 300, 0);
test("intervals longer than the window are windows of their own", recovery, series(1, [300, 300, 300, 40, 300, 300]), 3.0, 300, 1);
test("a zero target never counts as recovered", recovery, series(0.1, Array(40).fill(0)), 3.0, 0, null);

test("bits between two moments count the share of each sample inside them", (t) => {
    t.deepEqual(bitsBetween(series(1, [8, 16]), 0.5, 1.5), { bits: 12 * MBIT, seconds: 1 });
    t.is(meanRate(series(1, [8, 16]), 0.5, 1.5), 12 * MBIT);
    t.is(meanRate(series(1, [8, 16]), 5, 6), null);
});

test("the smoothed series is the rate over the window before each sample's end", (t) => {
    const windows = rollingRates(series(0.1, [100, 300, 100, 300, 100, 300, 100]), 0.4);
    t.deepEqual(windows.map((window) => mbit(window.bitsPerSecond)), [200, 200, 200, 200]);
    t.deepEqual(windows.map((window) => Number(window.end.toFixed(1))), [0.4, 0.5, 0.6, 0.7]);
});

test("a stall is the longest run of empty samples, not their total", (t) => {
    const intervals = series(0.1, [300, 300, 0, 0, 0, 300, 0, 0, 0, 0, 0, 300]);
    const stall = longestStall(intervals, 0.15, 1 * MBIT);
    t.is(stall.seconds.toFixed(2), "0.50");
    t.is(stall.at?.toFixed(2), "0.60");
});

test("empty samples shorter than the stall resolution are no stall", (t) => {
    const stall = longestStall(series(0.1, [300, 0, 300, 0, 300, 0, 300]), 0, 1 * MBIT);
    t.deepEqual(stall, { seconds: 0, at: null });
});

test("the baseline is the mean rate before the failure without the first half second", (t) => {
    const intervals = series(0.25, [10, 10, 300, 310, 290, 0, 0, 200, 200, 200, 200, 200]);
    const summary = summariseThroughput(intervals, 1.25, null);
    t.is(mbit(summary.baselineBitsPerSecond), 300);
    t.is(summary.lowestBitsPerSecond, 0);
    t.is(summary.lowestAt, 1.25);
    t.is(summary.stallSeconds, 0.5);
    t.is(summary.stallAt, 1.25);
    t.is(mbit(summary.survivingRateBitsPerSecond), 200);
    t.is(mbit(summary.meanRateWhileDownBitsPerSecond), 143); // 1.25 s at 200 over the 1.75 s outage
    t.is(summary.recoveryToBaselineSeconds, null);
    t.is(summary.recoveryToSurvivingSeconds, 0.5);
    t.is(summary.windowSeconds, 0.5);
});

test("the surviving rate ignores intervals after the link came back", (t) => {
    const intervals = series(0.5, [300, 300, 300, 100, 100, 100, 100, 300, 300, 300]);
    const summary = summariseThroughput(intervals, 1.5, 3.5);
    t.is(mbit(summary.survivingRateBitsPerSecond), 100);
    t.is(summary.recoveryToBaselineSeconds, 2);
});

test("nothing surviving leaves the recovery to the surviving rate empty", (t) => {
    const summary = summariseThroughput(series(0.5, [100, 100, 100, 0, 0, 0, 0, 0]), 1.5, null);
    t.is(summary.survivingRateBitsPerSecond, 0);
    t.is(summary.recoveryToSurvivingSeconds, null);
    t.is(summary.stallSeconds, 2.5);
});

test("without a failure the whole test is the baseline and nothing recovers", (t) => {
    const summary = summariseThroughput(series(0.5, [50, 100, 120, 80, 100]), null, null);
    t.is(summary.baselineBitsPerSecond, 100 * MBIT);
    t.is(summary.survivingRateBitsPerSecond, 100 * MBIT);
    t.is(summary.lowestBitsPerSecond, 80 * MBIT);
    t.is(summary.recoveryToBaselineSeconds, null);
    t.is(summary.recoveryToSurvivingSeconds, null);
});

test("a failure inside the slow start still has a baseline", (t) => {
    const summary = summariseThroughput(series(0.1, [100, 200, 0, 0, 200, 200, 200, 200, 200, 200]), 0.2, null);
    t.is(summary.baselineBitsPerSecond, 150 * MBIT);
});

// Recorded: the emulated stack (mptcpize, eth0 shaped to 200 Mbit/s, wlan0 to 100), wlan0 down
// at 3.0 s. After the failure the 0.1 s samples read 147, 272, 136, 147, 273, 136, 136, ...
test("an aliased series gives the surviving rate the bytes show, not the low phase", (t) => {
    const run = recordedFailover().mptcp;
    const { linkDownAt, linkUpAt } = run.summary;
    const summary = summariseThroughput(run.intervals, linkDownAt, linkUpAt);
    const whileDown = run.intervals.filter((sample) => sample.start >= (linkDownAt ?? 0) && sample.end <= (linkUpAt ?? 0));
    const sampleMedian = median(whileDown.map((sample) => sample.bitsPerSecond));
    const meanWhileDown = meanRate(run.intervals, linkDownAt ?? 0, linkUpAt ?? 0) ?? 0;
    t.is(mbit(sampleMedian), 147); // what the summary used to print
    t.is(mbit(summary.survivingRateBitsPerSecond), 187);
    t.true(within(summary.survivingRateBitsPerSecond, meanWhileDown, 0.15));
    t.is(summary.stallSeconds.toFixed(2), "0.40"); // 3.2 s to 3.6 s: four empty samples in a row
    t.not(summary.recoveryToSurvivingSeconds, null);
});

// The pattern recorded when the client's eth0 failed and wlan0 (shaped to 100 Mbit/s) carried the
// connection alone: 198, 0, 191, 0, 181, 0, ... (mean 96 Mbit/s).
test("an alternating series with a full survivor has no stall and the survivor's rate", (t) => {
    const before = Array(30).fill(290);
    const after = repeat([198, 0, 191, 0, 181, 0, 196, 0], 70);
    const summary = summariseThroughput(series(0.1, [...before, ...after]), 3.0, null);
    t.is(summary.stallSeconds, 0);
    t.is(summary.stallAt, null);
    t.true(within(summary.survivingRateBitsPerSecond, 96 * MBIT, 0.05), `${mbit(summary.survivingRateBitsPerSecond)} Mbit/s`);
    t.true(summary.lowestBitsPerSecond > 50 * MBIT);
    t.is(summary.recoveryToSurvivingSeconds, 0);
    t.is(summary.recoveryToBaselineSeconds, null);
});

test("a true stall is measured in full and recovery counts from the failure", (t) => {
    const summary = summariseThroughput(series(0.1, [...Array(30).fill(290), ...Array(10).fill(0), ...repeat([136, 283, 136, 147, 283], 60)]), 3.0, null);
    t.is(summary.stallSeconds.toFixed(2), "1.00");
    t.is(summary.stallAt?.toFixed(2), "3.00");
    t.true(within(summary.survivingRateBitsPerSecond, 197 * MBIT, 0.02), `${mbit(summary.survivingRateBitsPerSecond)} Mbit/s`);
    t.is(summary.recoveryToSurvivingSeconds?.toFixed(2), "1.00");
});

test("a failure that never recovers stalls to the end with nothing surviving", (t) => {
    const summary = summariseThroughput(series(0.1, [...repeat([136, 283, 147], 30), ...Array(40).fill(0)]), 3.0, null);
    t.is(summary.stallSeconds.toFixed(2), "4.00");
    t.is(summary.survivingRateBitsPerSecond, 0);
    t.is(summary.meanRateWhileDownBitsPerSecond, 0);
    t.is(summary.recoveryToSurvivingSeconds, null);
    t.is(summary.recoveryToBaselineSeconds, null);
    t.is(summary.lowestBitsPerSecond, 0);
});

test("bytes after a moment count the share of the interval that holds it", (t) => {
    t.is(bytesAfter(series(1, [8, 8]), 0.5), 1.5e6);
    t.is(bytesAfter(series(1, [8, 8]), 5), 0);
});

test("the median of an even count is the mean of the middle two", (t) => {
    t.is(median([4, 1, 3, 2]), 2.5);
    t.is(median([]), 0);
});

test("failback counts from link up to the first window back within 10% of the baseline", (t) => {
    // 280 before, 190 while down (3 s to 6 s), 280 again from 6.3 s.
    const intervals = series(0.1, [...Array(30).fill(280), ...Array(30).fill(190), 190, 190, 190, ...Array(37).fill(280)]);
    const events = [{ time: 6.12, type: "SF_ESTABLISHED", fields: { token: "d" } }, { time: 6.01, type: "SF_ESTABLISHED", fields: { token: "control" } }];
    const figures = failbackFigures(intervals, events, ["d"], { downAt: 3, upAt: 6, reannouncedAt: 6.001 });
    t.is(figures.failbackSubflowSeconds?.toFixed(2), "0.12");
    t.is(figures.failbackRecoverySeconds?.toFixed(2), "0.20"); // 190 + 4 × 280 over 0.5 s: 262, within 10% of 280
    t.is(figures.endpointReannouncedAt, 6.001);
    t.deepEqual(failbackFigures(intervals, events, ["d"], { downAt: 3, upAt: null, reannouncedAt: null }), { endpointReannouncedAt: null, failbackSubflowSeconds: null, failbackRecoverySeconds: null });
});
