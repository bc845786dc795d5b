import test from "ava";
import { bytesAfter, median, recoveryTime, summariseThroughput } from "../../failover/analysis";
import type { IntervalSample } from "../../failover";

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

test("the baseline is the median before the failure without the first half second", (t) => {
    const intervals = series(0.25, [10, 10, 300, 310, 290, 0, 0, 200, 200, 200, 200, 200]);
    const summary = summariseThroughput(intervals, 1.25, null);
    t.is(summary.baselineBitsPerSecond, 300 * MBIT);
    t.is(summary.lowestBitsPerSecond, 0);
    t.is(summary.lowestAt, 1.25);
    t.is(summary.stallSeconds, 0.5);
    t.is(summary.survivingRateBitsPerSecond, 200 * MBIT);
    t.is(summary.recoverySeconds, null);
    t.is(summary.recoveryToSurvivingSeconds, 0.5);
});

test("the surviving rate ignores intervals after the link came back", (t) => {
    const intervals = series(0.5, [300, 300, 300, 100, 100, 100, 100, 300, 300, 300]);
    const summary = summariseThroughput(intervals, 1.5, 3.5);
    t.is(summary.survivingRateBitsPerSecond, 100 * MBIT);
    t.is(summary.recoverySeconds, 2);
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
    t.is(summary.recoverySeconds, null);
    t.is(summary.recoveryToSurvivingSeconds, null);
});

test("a failure inside the slow start still has a baseline", (t) => {
    const summary = summariseThroughput(series(0.1, [100, 200, 0, 0, 200, 200, 200, 200, 200, 200]), 0.2, null);
    t.is(summary.baselineBitsPerSecond, 150 * MBIT);
});

test("bytes after a moment count the share of the interval that holds it", (t) => {
    t.is(bytesAfter(series(1, [8, 8]), 0.5), 1.5e6);
    t.is(bytesAfter(series(1, [8, 8]), 5), 0);
});

test("the median of an even count is the mean of the middle two", (t) => {
    t.is(median([4, 1, 3, 2]), 2.5);
    t.is(median([]), 0);
});
