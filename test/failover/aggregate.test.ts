import test from "ava";
import { figureSpread, medianOf, percentile, spreadOf } from "../../failover/aggregate";
import { summariseThroughput } from "../../failover/analysis";
import type { FailoverRun, IntervalSample } from "../../failover";

function run(rates: readonly number[], survived = true): FailoverRun {
    const intervals: IntervalSample[] = rates.map((rate, i) => ({ start: i * 0.1, end: (i + 1) * 0.1, bitsPerSecond: rate * 1e6, retransmits: 0, cwndBytes: null }));
    const summary = {
        ...summariseThroughput(intervals, 3, null),
        totalBytes: 0,
        retransmits: 0,
        survived,
        mptcpVerified: true,
        subflowsJoined: 2,
        linkDownAt: 3,
        linkUpAt: null,
        endpointReannouncedAt: null,
        failbackSubflowSeconds: null,
        failbackRecoverySeconds: null,
    };
    return { mode: "mptcpize", intervals, events: [], summary, iperf3Version: "3.18", failedInterface: "wlan0" };
}

const before = Array<number>(30).fill(280);

test("the median, p95, min and max of five values", (t) => {
    t.deepEqual(figureSpread([0.4, 0.2, 0.3, 1.0, 0.5]), { median: 0.4, p95: 1.0, min: 0.2, max: 1.0, values: [0.4, 0.2, 0.3, 1.0, 0.5] });
});

test("the p95 is the nearest rank: the 19th of 20 values", (t) => {
    t.is(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 0.95), 19);
    t.is(percentile([], 0.95), null);
});

test("a run that never recovered ranks above every time", (t) => {
    const spread = figureSpread([0.5, null, 0.7]);
    t.is(spread.median, 0.7);
    t.is(spread.p95, null);
    t.is(spread.max, null);
    t.is(spread.min, 0.5);
    t.is(medianOf([0.5, null]), null);
    t.is(medianOf([0.5, 0.7]), 0.6);
});

test("the spread of repeated runs covers each figure and counts the survivors", (t) => {
    const runs = [
        run([...before, 0, 0, 0, ...Array<number>(50).fill(190)]),
        run([...before, 0, 0, 0, 0, 0, ...Array<number>(48).fill(200)]),
        run([...before, ...Array<number>(53).fill(0)], false),
    ];
    const spread = spreadOf(runs);
    t.is(spread.runs, 3);
    t.is(spread.survived, 2);
    t.deepEqual(spread.figures.stallSeconds.values.map((value) => value?.toFixed(1)), ["0.3", "0.5", "5.3"]);
    t.is(spread.figures.stallSeconds.median?.toFixed(1), "0.5");
    t.is(Math.round((spread.figures.survivingRateBitsPerSecond.max ?? 0) / 1e6), 200);
    t.is(spread.figures.survivingRateBitsPerSecond.min, 0);
    t.is(spread.figures.recoveryToSurvivingSeconds.max, null); // the third run never recovered
    t.is(spread.figures.recoveryToBaselineSeconds.median, null);
});
