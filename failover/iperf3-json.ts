// Reads iperf3's `-J` output (3.12 to 3.21): the intervals, the totals and the error, from a
// complete report, a report that ends in a top-level "error", or output cut short by a kill.
import type { IntervalSample } from "./types";

export interface Iperf3Report {
    /** e.g. `3.12`; null when the output does not say. */
    version: string | null;
    /** iperf3's `-R`: the client received, so its intervals are receiver-side numbers. */
    reverse: boolean | null;
    /** The requested test length (`-t`). */
    durationSeconds: number | null;
    /** The server port the client connected to. */
    port: number | null;
    intervals: IntervalSample[];
    /** Bytes the receiver counted (end.sum_received), when iperf3 got that far. */
    receivedBytes: number | null;
    /** Sender retransmits over the whole test (end.sum_sent), when reported. */
    retransmits: number | null;
    /** Epoch seconds of the test start, from `start.timestamp.timemillisecs` (3.20+). */
    startEpochSeconds: number | null;
    /** iperf3's own "error", or why the output could not be read in full. */
    error: string | null;
    /** The report was whole: valid JSON with the receiver's totals. */
    complete: boolean;
}

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | null =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : null;
const asNumber = (value: unknown): number | null =>
    typeof value === "number" && Number.isFinite(value) ? value : null;
const asString = (value: unknown): string | null => (typeof value === "string" ? value : null);
const path = (value: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>((node, key) => asObject(node)?.[key], value);

export const NO_OUTPUT_ERROR = "iperf3 wrote no output: it was killed before it could report (timeout or SIGKILL)";
export const TRUNCATED_ERROR = "iperf3's output is cut short (not valid JSON): it was stopped while writing";

/** `iperf 3.12` or `iperf 3.19.1+` -> `3.12` / `3.19.1`. */
export function versionNumber(text: string | null | undefined): string | null {
    const match = /(\d+\.\d+(?:\.\d+)?)/.exec(text ?? "");
    return match ? match[1] : null;
}

function toSample(interval: unknown): IntervalSample | null {
    const sum = asObject(path(interval, "sum"));
    const start = asNumber(sum?.start);
    const end = asNumber(sum?.end);
    const bitsPerSecond = asNumber(sum?.bits_per_second);
    if (sum === null || start === null || end === null || bitsPerSecond === null) return null;
    if (sum.omitted === true) return null; // `-O` warm-up, excluded from iperf3's own totals
    const streams = path(interval, "streams");
    const firstStream = Array.isArray(streams) ? streams[0] : undefined;
    // Receiver-side intervals (reverse mode) carry neither field.
    return {
        start,
        end,
        bitsPerSecond,
        retransmits: asNumber(sum.retransmits),
        cwndBytes: asNumber(path(firstStream, "snd_cwnd")),
    };
}

function samples(intervals: unknown): IntervalSample[] {
    if (!Array.isArray(intervals)) return [];
    return intervals.map(toSample).filter((sample): sample is IntervalSample => sample !== null);
}

/**
 * The complete elements of the `intervals` array of a cut-short report: iperf3 writes the
 * whole object at the end, so a kill while writing leaves a valid prefix.
 */
export function salvageIntervals(text: string): unknown[] {
    const key = text.indexOf('"intervals"');
    const open = key < 0 ? -1 : text.indexOf("[", key);
    if (open < 0) return [];
    const found: unknown[] = [];
    let depth = 0;
    let inString = false;
    let escaped = false;
    let elementStart = -1;
    for (let i = open + 1; i < text.length; i++) {
        const char = text[i];
        if (inString) {
            if (escaped) escaped = false;
            else if (char === "\\") escaped = true;
            else if (char === '"') inString = false;
            continue;
        }
        if (char === '"') inString = true;
        else if (char === "{" || char === "[") {
            if (depth === 0) elementStart = i;
            depth++;
        } else if (char === "}" || char === "]") {
            if (depth === 0) break; // the end of the intervals array
            depth--;
            if (depth === 0 && elementStart >= 0) {
                try {
                    found.push(JSON.parse(text.slice(elementStart, i + 1)));
                } catch {
                    break;
                }
            }
        }
    }
    return found;
}

function fromTruncated(text: string): Iperf3Report {
    const field = (pattern: RegExp): string | null => pattern.exec(text)?.[1] ?? null;
    const duration = field(/"duration":\s*(\d+)/);
    const reverse = field(/"reverse":\s*(\d+)/);
    const port = field(/"connecting_to":\s*\{[^}]*"port":\s*(\d+)/);
    return {
        version: versionNumber(field(/"version":\s*"([^"]*)"/)),
        reverse: reverse === null ? null : reverse !== "0",
        durationSeconds: duration === null ? null : Number(duration),
        port: port === null ? null : Number(port),
        intervals: samples(salvageIntervals(text)),
        receivedBytes: null,
        retransmits: null,
        startEpochSeconds: null,
        error: TRUNCATED_ERROR,
        complete: false,
    };
}

export function parseIperf3Json(text: string): Iperf3Report {
    if (text.trim() === "") {
        return {
            version: null,
            reverse: null,
            durationSeconds: null,
            port: null,
            intervals: [],
            receivedBytes: null,
            retransmits: null,
            startEpochSeconds: null,
            error: NO_OUTPUT_ERROR,
            complete: false,
        };
    }
    let report: unknown;
    try {
        report = JSON.parse(text);
    } catch {
        return fromTruncated(text);
    }
    const start = path(report, "start");
    const reverse = asNumber(path(start, "test_start", "reverse"));
    const received = asObject(path(report, "end", "sum_received"));
    const countedBytes = asNumber(received?.bytes);
    // An interrupted client still prints sum_received, all zeros: the server never reported.
    const receivedBytes = countedBytes !== null && countedBytes > 0 ? countedBytes : null;
    const intervals = samples(path(report, "intervals"));
    const millis = asNumber(path(start, "timestamp", "timemillisecs"));
    const intervalRetransmits = intervals.map((sample) => sample.retransmits);
    const retransmits =
        asNumber(path(report, "end", "sum_sent", "retransmits")) ??
        (intervalRetransmits.every((value) => value !== null) && intervals.length > 0
            ? intervalRetransmits.reduce<number>((total, value) => total + (value ?? 0), 0)
            : null);
    return {
        version: versionNumber(asString(path(start, "version"))),
        reverse: reverse === null ? null : reverse !== 0,
        durationSeconds: asNumber(path(start, "test_start", "duration")),
        port: asNumber(path(start, "connecting_to", "port")),
        intervals,
        receivedBytes,
        retransmits,
        startEpochSeconds: millis === null ? null : millis / 1000,
        error: asString(path(report, "error")),
        complete: receivedBytes !== null,
    };
}
