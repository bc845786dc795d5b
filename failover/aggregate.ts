// The spread of a figure over repeated runs of the failover test. Pure: no I/O, no clock.
import { RANGE_RULES } from "../lab/value-rules";
import type { FailoverRun, FailoverSummary } from "./types";

/** Figures whose spread a repeated test reports; the recovery times may be null ("never"). */
export const SPREAD_FIGURES = [
    "baselineBitsPerSecond",
    "survivingRateBitsPerSecond",
    "meanRateWhileDownBitsPerSecond",
    "lowestBitsPerSecond",
    "stallSeconds",
    "recoveryToSurvivingSeconds",
    "recoveryToBaselineSeconds",
    "failbackSubflowSeconds",
    "failbackRecoverySeconds",
] as const satisfies readonly (keyof FailoverSummary)[];

export type SpreadFigure = (typeof SPREAD_FIGURES)[number];

/**
 * One figure over the runs. A null value ("never recovered") ranks above every number, so a
 * median or p95 of null means at least that share of the runs never got there.
 */
export interface FigureSpread {
    median: number | null;
    /** Nearest-rank 95th percentile: with fewer than 20 runs, the largest value. */
    p95: number | null;
    min: number | null;
    max: number | null;
    /** Every run's value, in run order. */
    values: (number | null)[];
}

export interface FailoverSpread {
    /** Runs aggregated. */
    runs: number;
    /** Runs that survived (ran the full duration without an error). */
    survived: number;
    figures: Record<SpreadFigure, FigureSpread>;
}

/** Sorts numbers ascending with null ("never") last. */
const ranked = (values: readonly (number | null)[]): (number | null)[] =>
    [...values].sort((a, b) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b));

/** The value at nearest rank `ceil(p * n)` (1-based) of the ranked values. */
export function percentile(values: readonly (number | null)[], p: number): number | null {
    if (values.length === 0) return null;
    const sorted = ranked(values);
    return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
}

/** The median: the middle value, or the mean of the middle two (null if either is null). */
export function medianOf(values: readonly (number | null)[]): number | null {
    if (values.length === 0) return null;
    const sorted = ranked(values);
    const middle = Math.floor(sorted.length / 2);
    if (sorted.length % 2 === 1) return sorted[middle];
    const [low, high] = [sorted[middle - 1], sorted[middle]];
    return low === null || high === null ? null : (low + high) / 2;
}

export function figureSpread(values: readonly (number | null)[]): FigureSpread {
    const sorted = ranked(values);
    return {
        median: medianOf(values),
        p95: percentile(values, 0.95),
        min: sorted[0] ?? null,
        max: sorted.at(-1) ?? null,
        values: [...values],
    };
}

export function spreadOf(runs: readonly FailoverRun[]): FailoverSpread {
    const figures = Object.fromEntries(
        SPREAD_FIGURES.map((figure) => [figure, figureSpread(runs.map((run) => run.summary[figure]))]),
    ) as Record<SpreadFigure, FigureSpread>;
    return { runs: runs.length, survived: runs.filter((run) => run.summary.survived).length, figures };
}

/** Set by `mptcp-lab test --repeat N` for the Pulumi program it runs: overrides the lab's `repeat`. */
export const REPEAT_ENVIRONMENT_VARIABLE = "MPTCP_LAB_FAILOVER_REPEAT";
export const MAX_REPEAT = RANGE_RULES.repeat.maximum;

/** The number of runs: the environment's override when set, else the lab's value. */
export function repeatFromEnvironment(env: NodeJS.ProcessEnv, labRepeat: number): number {
    const text = env[REPEAT_ENVIRONMENT_VARIABLE];
    if (text === undefined || text === "") return labRepeat;
    const value = Number(text);
    if (!/^[0-9]+$/.test(text) || value < 1 || value > MAX_REPEAT) {
        throw new RangeError(`${REPEAT_ENVIRONMENT_VARIABLE}=${JSON.stringify(text)}: expected a whole number of runs from 1 to ${MAX_REPEAT}; unset it to use the lab's failover.repeat`);
    }
    return value;
}
