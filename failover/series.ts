// Rates from bytes over time. iperf3's short intervals alias against the sender's buffer and the
// shaper's bucket (0.1 s samples of a full 200 Mbit/s path read 136, 283, 136, 147, ...), so no
// figure is read off a single sample: each is the bytes of a stated stretch over its length.
// Pure: no I/O, no clock. The definitions are in docs/failover-figures.md.
import type { IntervalSample, RateWindow } from "./types";

/** The rolling window of the smoothed series, of the lowest rate and of recovery. */
export const ROLLING_WINDOW_SECONDS = 0.5;
/** A stall is at least this long; shorter empty samples are the sampling's, not the path's. */
export const STALL_RESOLUTION_SECONDS = 0.2;
const EPSILON = 1e-3;

export const sampleSeconds = (sample: IntervalSample): number => sample.end - sample.start;

/** Bits and covered seconds between `from` and `to`, each sample's bits spread evenly over it. */
export function bitsBetween(intervals: readonly IntervalSample[], from: number, to: number): { bits: number; seconds: number } {
    let bits = 0;
    let seconds = 0;
    for (const sample of intervals) {
        const overlap = Math.min(sample.end, to) - Math.max(sample.start, from);
        if (overlap <= 0) continue;
        bits += sample.bitsPerSecond * overlap;
        seconds += overlap;
    }
    return { bits, seconds };
}

/** Delivered bits over covered seconds between `from` and `to`; null when no sample covers it. */
export function meanRate(intervals: readonly IntervalSample[], from: number, to: number): number | null {
    const { bits, seconds } = bitsBetween(intervals, from, to);
    return seconds > EPSILON ? bits / seconds : null;
}

/**
 * The smoothed series: at the end of every sample, the rate over the `windowSeconds` before it.
 * Samples ending before a whole window has passed give none.
 */
export function rollingRates(intervals: readonly IntervalSample[], windowSeconds = ROLLING_WINDOW_SECONDS): RateWindow[] {
    if (intervals.length === 0) return [];
    const first = intervals[0].start;
    const windows: RateWindow[] = [];
    for (const sample of intervals) {
        const start = sample.end - windowSeconds;
        if (start < first - EPSILON) continue;
        const rate = meanRate(intervals, start, sample.end);
        if (rate !== null) windows.push({ start, end: sample.end, bitsPerSecond: rate });
    }
    return windows;
}

/**
 * The longest run of consecutive samples from `from` on that each carried (nearly) nothing: at
 * most `threshold` bits per second. Runs shorter than STALL_RESOLUTION_SECONDS are no stall: a
 * sender blocked on a full buffer writes nothing for a 0.1 s sample while its path stays full.
 */
export function longestStall(intervals: readonly IntervalSample[], from: number, threshold: number): { seconds: number; at: number | null } {
    let best = { seconds: 0, at: null as number | null };
    let runStart: number | null = null;
    let runSeconds = 0;
    for (const sample of intervals) {
        if (sample.end <= from + EPSILON) continue;
        if (sample.bitsPerSecond <= threshold) {
            runStart ??= Math.max(sample.start, Math.min(from, sample.end));
            runSeconds = sample.end - runStart;
        } else {
            runStart = null;
            runSeconds = 0;
        }
        if (runStart !== null && runSeconds >= STALL_RESOLUTION_SECONDS - EPSILON && runSeconds > best.seconds) {
            best = { seconds: runSeconds, at: runStart };
        }
    }
    return best;
}

/**
 * Seconds from `downAt` to the start of the first window of consecutive samples, at least
 * ROLLING_WINDOW_SECONDS long and beginning no earlier than the sample the link failed in, whose
 * bytes over its length are at least `fraction` of `target`; null if no window gets there.
 */
export function recoveryTime(
    intervals: readonly IntervalSample[],
    downAt: number,
    target: number,
    fraction: number,
): number | null {
    if (target <= 0) return null;
    for (let first = 0; first < intervals.length; first++) {
        if (intervals[first].end <= downAt + EPSILON) continue;
        let seconds = 0;
        let bits = 0;
        for (let last = first; last < intervals.length && seconds < ROLLING_WINDOW_SECONDS - EPSILON; last++) {
            seconds += sampleSeconds(intervals[last]);
            bits += intervals[last].bitsPerSecond * sampleSeconds(intervals[last]);
        }
        if (seconds < ROLLING_WINDOW_SECONDS - EPSILON) return null; // too little test left
        if (bits / seconds >= fraction * target) return Math.max(0, intervals[first].start - downAt);
    }
    return null;
}
