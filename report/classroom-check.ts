// Whether identical benches agree: each bench's surviving rate against the median of all of them.
// Pure: no I/O. A classroom of identical benches should give close figures; one bench far from
// the others points at the machine (contention, a bench set up differently), not at MPTCP.
import { medianOf } from "../failover/aggregate";
import { currentRun } from "../failover/analysis";
import type { StackResult } from "./types";

/** How far from the median a bench's surviving rate may lie, as a fraction of the median. */
export const CLASSROOM_TOLERANCE = 0.15;

export interface BenchDeviation {
    stack: string;
    /** The bench's surviving rate (the median over its runs when it ran more than once); null without a result. */
    survivingBitsPerSecond: number | null;
    /** (rate - median) / median; null without a result or without a median. */
    deviation: number | null;
    withinTolerance: boolean;
}

export interface ClassroomCheck {
    /** The median of the benches' surviving rates; null when no bench has a result. */
    medianBitsPerSecond: number | null;
    tolerance: number;
    benches: BenchDeviation[];
    /** Every bench has a result within the tolerance of the median. */
    passed: boolean;
}

function survivingRate(result: StackResult): number | null {
    const failover = result.failover;
    if (!failover?.mptcp) return null;
    const spread = failover.spread?.mptcp?.figures.survivingRateBitsPerSecond.median;
    return spread ?? currentRun(failover.mptcp).summary.survivingRateBitsPerSecond;
}

export function checkSurvivingRates(results: readonly StackResult[], tolerance = CLASSROOM_TOLERANCE): ClassroomCheck {
    const rates = results.map(survivingRate);
    const median = medianOf(rates.filter((rate): rate is number => rate !== null));
    const benches = results.map((result, i) => {
        const rate = rates[i];
        const deviation = rate === null || median === null || median <= 0 ? null : (rate - median) / median;
        return { stack: result.stack, survivingBitsPerSecond: rate, deviation, withinTolerance: deviation !== null && Math.abs(deviation) <= tolerance };
    });
    return { medianBitsPerSecond: median, tolerance, benches, passed: benches.length > 0 && benches.every((bench) => bench.withinTolerance) };
}

/** The check as a table: per bench its surviving rate in Mbit/s, its deviation and the verdict. */
export function formatClassroomCheck(check: ClassroomCheck): string {
    const percent = Math.round(check.tolerance * 100);
    const mbit = (bits: number | null) => (bits === null ? "none" : (bits / 1e6).toFixed(1));
    const rows = check.benches.map((bench) => [
        bench.stack,
        mbit(bench.survivingBitsPerSecond),
        bench.deviation === null ? "" : `${bench.deviation >= 0 ? "+" : ""}${(bench.deviation * 100).toFixed(1)}%`,
        bench.withinTolerance ? "pass" : "FAIL",
    ]);
    const head = ["bench", "surviving rate (Mbit/s)", "from the median", `within ${percent}%`];
    const widths = head.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
    const verdict = check.passed
        ? `every bench within ${percent}% of the median, ${mbit(check.medianBitsPerSecond)} Mbit/s`
        : `${check.benches.filter((bench) => !bench.withinTolerance).length} of ${check.benches.length} bench(es) not within ${percent}% of the median, ${mbit(check.medianBitsPerSecond)} Mbit/s`;
    return [line(head), line(widths.map((width) => "-".repeat(width))), ...rows.map(line), "", verdict].join("\n");
}
