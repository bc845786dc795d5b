import test from "ava";
import { spreadOf } from "../../failover";
import { checkSurvivingRates, formatClassroomCheck } from "../../report/classroom-check";
import type { StackResult } from "../../report";
import { recordedFailover } from "./fixture";

/** A bench whose single run's surviving rate is `mbit` Mbit/s. */
function bench(stack: string, mbit: number): StackResult {
    const failover = recordedFailover();
    failover.mptcp.summary = { ...failover.mptcp.summary, survivingRateBitsPerSecond: mbit * 1e6 };
    return { stack, failover };
}

test("benches within 15% of the median of their surviving rates pass", (t) => {
    const check = checkSurvivingRates([bench("a", 180), bench("b", 190), bench("c", 200), bench("d", 170)]);
    t.is(check.medianBitsPerSecond, 185e6);
    t.true(check.passed);
    t.deepEqual(check.benches.map((row) => Number(row.deviation?.toFixed(3))), [-0.027, 0.027, 0.081, -0.081]);
});

test("a bench more than 15% from the median fails the classroom, whichever side it lies on", (t) => {
    const low = checkSurvivingRates([bench("a", 190), bench("b", 188), bench("c", 150)]);
    t.false(low.passed);
    t.deepEqual(low.benches.map((row) => row.withinTolerance), [true, true, false]);
    const high = checkSurvivingRates([bench("a", 100), bench("b", 100), bench("c", 120)]);
    t.deepEqual(high.benches.map((row) => row.withinTolerance), [true, true, false]);
});

test("a bench without a result fails and does not move the median", (t) => {
    const check = checkSurvivingRates([bench("a", 190), bench("b", 180), { stack: "c", missing: "no failover result" }]);
    t.is(check.medianBitsPerSecond, 185e6);
    t.false(check.passed);
    t.like(check.benches[2], { survivingBitsPerSecond: null, deviation: null, withinTolerance: false });
});

test("a bench tested several times is compared by the median over its runs", (t) => {
    const failover = recordedFailover();
    const run = (mbit: number) => ({ ...failover.mptcp, summary: { ...failover.mptcp.summary, survivingRateBitsPerSecond: mbit * 1e6 } });
    const repeated: StackResult = { stack: "r", failover: { ...failover, mptcp: run(100), spread: { mptcp: spreadOf([run(100), run(190), run(195)]) } } };
    const check = checkSurvivingRates([repeated, bench("b", 190)]);
    t.is(check.benches[0].survivingBitsPerSecond, 190e6);
    t.true(check.passed);
});

test("the printed check names each bench's rate in Mbit/s, its deviation and the verdict", (t) => {
    const text = formatClassroomCheck(checkSurvivingRates([bench("a", 190), bench("b", 150), bench("c", 189)]));
    t.regex(text, /^bench +surviving rate \(Mbit\/s\) +from the median +within 15%$/m);
    t.regex(text, /^b +150\.0 +-20\.6% +FAIL$/m);
    t.regex(text, /^a +190\.0 +\+0\.5% +pass$/m);
    t.regex(text, /1 of 3 bench\(es\) not within 15% of the median, 189\.0 Mbit\/s$/);
});

test("no benches is no pass", (t) => {
    t.false(checkSurvivingRates([]).passed);
});
