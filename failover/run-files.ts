// Reads the runner's own files: link-events and meta.json (formats in run-failover.sh).
import type { FailoverMode } from "./types";

export interface LinkEvents {
    /** What the offsets count from: iperf3's launch (client) or the connection appearing (flip). */
    start: { epoch: number; kind: "iperf3" | "connection" } | null;
    interface: string | null;
    /** Epoch seconds of the first `down`. */
    downEpoch: number | null;
    /** Epoch seconds of the first `up` after it. */
    upEpoch: number | null;
    /** Who brought it up: scheduled, test-ended, signal-TERM, exit, watchdog, restore. */
    upReason: string | null;
    /** Epoch seconds when the endpoints on the interface were deleted and re-added (failback). */
    reannounceEpoch: number | null;
    /** Ids of the endpoints re-added then; empty when the interface had none. */
    reannouncedIds: string[];
}

export function parseLinkEvents(text: string): LinkEvents {
    const events: LinkEvents = { start: null, interface: null, downEpoch: null, upEpoch: null, upReason: null, reannounceEpoch: null, reannouncedIds: [] };
    for (const line of text.split("\n")) {
        const [epochText, kind, subject, detail, ...more] = line.trim().split(/\s+/);
        const epoch = Number(epochText);
        if (!Number.isFinite(epoch) || epochText === "") continue;
        if (kind === "start" && events.start === null && (subject === "iperf3" || subject === "connection")) {
            events.start = { epoch, kind: subject };
        } else if (kind === "down" && events.downEpoch === null && subject) {
            events.downEpoch = epoch;
            events.interface = subject;
        } else if (kind === "up" && events.downEpoch !== null && events.upEpoch === null) {
            events.upEpoch = epoch;
            events.upReason = detail ?? null;
        } else if (kind === "reannounce" && events.upEpoch !== null && events.reannounceEpoch === null) {
            events.reannounceEpoch = epoch;
            events.reannouncedIds = detail === undefined || detail === "none" ? [] : [detail, ...more];
        }
    }
    return events;
}

export interface RunnerMeta {
    mode: FailoverMode | null;
    /** Epoch seconds just before iperf3 was started. */
    startedAt: number | null;
    /** First line of `iperf3 --version`. */
    iperf3Version: string | null;
    port: number | null;
    durationSeconds: number | null;
    intervalSeconds: number | null;
    reverse: boolean | null;
}

const MODES: readonly string[] = ["native", "mptcpize", "tcp"];

/** Fields that are missing or of the wrong type come back as null; invalid JSON throws. */
export function parseRunnerMeta(text: string): RunnerMeta {
    const meta: unknown = JSON.parse(text);
    const record = typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : {};
    const number = (key: string): number | null =>
        typeof record[key] === "number" && Number.isFinite(record[key]) ? (record[key] as number) : null;
    return {
        mode: typeof record.mode === "string" && MODES.includes(record.mode) ? (record.mode as FailoverMode) : null,
        startedAt: number("startedAt"),
        iperf3Version: typeof record.iperf3Version === "string" ? record.iperf3Version : null,
        port: number("port"),
        durationSeconds: number("durationSeconds"),
        intervalSeconds: number("intervalSeconds"),
        reverse: typeof record.reverse === "boolean" ? record.reverse : null,
    };
}
