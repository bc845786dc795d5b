// Reads the runner's own files: link-events and meta.json (formats in run-failover.sh), and takes
// the result files a host sends back.
import { CodedError } from "../errors/coded-error";
import * as fs from "node:fs";
import * as path from "node:path";
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

// The result download. A host prints one `name base64` line per result file it holds; the host is
// not trusted with the controller's file system (its iperf3 was built from a repository the lab
// names, and its base64 could be anything), so only the expected names are taken, each at most
// RESULT_FILE_LIMITS.fileBytes, all together at most RESULT_FILE_LIMITS.totalBytes.

export const RESULT_FILE_LIMITS = {
    /** An iperf3 JSON of an hour at 0.1 s intervals is about 10 MB. */
    fileBytes: 32 * 1024 * 1024,
    totalBytes: 64 * 1024 * 1024,
} as const;

/** The most a listing of files within the limits can take, names and line breaks included. */
export function maxListingBytes(names: readonly string[], limits: ResultFileLimits = RESULT_FILE_LIMITS): number {
    return Math.ceil(limits.totalBytes / 3) * 4 + names.reduce((sum, name) => sum + name.length + 2, 0) + 4 * names.length;
}

export interface ResultFileLimits {
    readonly fileBytes: number;
    readonly totalBytes: number;
}

export type ResultFileRefusal = "unexpected-name" | "path-in-name" | "repeated-name" | "not-base64" | "file-too-large" | "total-too-large";

/** A host sent something other than the result files asked for: nothing of it is written. */
export class ResultDownloadError extends CodedError<"FAILOVER_RESULT_REFUSED"> {
    readonly host: string;

    constructor(
        host: string,
        readonly refusal: ResultFileRefusal,
        readonly fileName: string,
        detail: string,
    ) {
        super("FAILOVER_RESULT_REFUSED", `${host}: download failover results: refused ${JSON.stringify(fileName.slice(0, 80))}: ${detail}`, {
            host,
            step: "download failover results",
            value: fileName.slice(0, 80),
        });
        this.name = "ResultDownloadError";
        this.host = host;
    }
}

/** The files of a `name base64` listing from `host`, when every line names an expected file
 *  within the limits; throws ResultDownloadError otherwise. */
export function parseResultListing(listing: string, host: string, expected: readonly string[], limits: ResultFileLimits = RESULT_FILE_LIMITS): Record<string, string> {
    const files: Record<string, string> = {};
    let total = 0;
    for (const line of listing.split("\n")) {
        if (line === "") continue;
        const separator = line.indexOf(" ");
        const name = separator < 0 ? line : line.slice(0, separator);
        const data = separator < 0 ? "" : line.slice(separator + 1);
        if (!expected.includes(name)) {
            const pathLike = /[/\\]/.test(name) || name === "." || name === ".." || name.includes("\0");
            throw new ResultDownloadError(host, pathLike ? "path-in-name" : "unexpected-name", name, pathLike ? "a result name is a plain file name, never a path" : `expected one of ${expected.join(", ")}`);
        }
        if (Object.prototype.hasOwnProperty.call(files, name)) throw new ResultDownloadError(host, "repeated-name", name, "the file was sent twice");
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) throw new ResultDownloadError(host, "not-base64", name, "its content is not base64");
        const size = (data.length / 4) * 3 - (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0);
        if (size > limits.fileBytes) throw new ResultDownloadError(host, "file-too-large", name, `${size} bytes, above the limit of ${limits.fileBytes}`);
        total += size;
        if (total > limits.totalBytes) throw new ResultDownloadError(host, "total-too-large", name, `the results pass ${limits.totalBytes} bytes in all`);
        files[name] = Buffer.from(data, "base64").toString("utf8");
    }
    return files;
}

/** Writes result files into `dir` (created if need be): only names in `allowed`, each a plain file
 *  directly in `dir`, never through a symbolic link left there. */
export function saveResultFiles(dir: string, files: Readonly<Record<string, string>>, allowed: readonly string[]): string[] {
    const written: string[] = [];
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
        const target = path.resolve(dir, name);
        if (!allowed.includes(name) || path.dirname(target) !== path.resolve(dir) || path.basename(target) !== name) {
            throw new ResultDownloadError("controller", "unexpected-name", name, `not a result file name (${allowed.join(", ")})`);
        }
        const descriptor = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
        try {
            fs.writeFileSync(descriptor, content);
        } finally {
            fs.closeSync(descriptor);
        }
        written.push(target);
    }
    return written;
}
