// How to call run-failover.sh: its path for upload, the names of its result files, and argument
// lists built from validated values. The script validates everything again on the host.
import { createHash } from "crypto";
import * as path from "path";
import { CodedError } from "../errors/coded-error";
import { linkTimingProblems, SHORTEST_INTERVAL_SECONDS } from "../lab/rules";
import { VALUE_RULES } from "../lab/value-rules";
import type { FailoverMode } from "./types";

/** The runner script, to upload to each host and run there as root. */
export const runnerScriptPath = path.join(__dirname, "run-failover.sh");

/**
 * What the runner does, as a version: part of the failover test's key, so that a new version
 * re-runs every lab's test and an edited comment does not. Bump it with every change to the
 * script's code; test/failover/runner-version.test.ts records the code's hash for each version
 * and fails until the version is bumped.
 */
export const RUNNER_VERSION = "4";

/** Even counts of both quote characters: a `#` after such a prefix starts a comment. */
const quotesBalanced = (text: string): boolean => (text.match(/'/g)?.length ?? 0) % 2 === 0 && (text.match(/"/g)?.length ?? 0) % 2 === 0;

/**
 * The script's code: each line trimmed, without blank lines, whole-line comments and trailing
 * ` # ...` comments (only where the quotes before them are balanced, so a `#` in a string stays).
 */
export function runnerCode(script: string): string {
    const lines: string[] = [];
    for (const raw of script.split("\n")) {
        let line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        for (const comment of line.matchAll(/\s#\s/g)) {
            if (!quotesBalanced(line.slice(0, comment.index))) continue;
            line = line.slice(0, comment.index).trimEnd();
            break;
        }
        lines.push(line);
    }
    return lines.join("\n");
}

/** sha256 (hex) of the script's code, the fingerprint recorded per RUNNER_VERSION. */
export function runnerCodeHash(script: string): string {
    return createHash("sha256").update(runnerCode(script)).digest("hex");
}

/** Result files the runner writes into its results directory. */
export const resultFileNames = {
    clientJson: "client.json",
    serverJson: "server.json",
    monitorLog: "monitor.log",
    linkEvents: "link-events",
    meta: "meta.json",
    exitStatus: "exit-status",
    runnerLog: "runner.log",
} as const;

/** A runner argument the host would refuse; raised here so the controller never sends it. */
export class FailoverArgumentError extends CodedError<"FAILOVER_INVALID_ARGUMENT"> {
    constructor(
        readonly field: string,
        value: unknown,
        readonly expected: string,
    ) {
        super("FAILOVER_INVALID_ARGUMENT", `${field}: ${JSON.stringify(value)} is not ${expected}`, { value });
        this.name = "FailoverArgumentError";
    }
}

const RESULTS_DIR = /^\/[A-Za-z0-9._/-]+$/;

function check(ok: boolean, field: string, value: unknown, expected: string): void {
    if (!ok) throw new FailoverArgumentError(field, value, expected);
}

const address = (field: string, value: string): string => {
    check(VALUE_RULES.ipv4.pattern.test(value), field, value, VALUE_RULES.ipv4.description);
    return value;
};
const interfaceName = (field: string, value: string): string => {
    check(VALUE_RULES.interfaceName.pattern.test(value), field, value, VALUE_RULES.interfaceName.description);
    return value;
};
const port = (field: string, value: number): string => {
    check(Number.isInteger(value) && value >= 1 && value <= 65535, field, value, "a port");
    return String(value);
};
const wholeSeconds = (field: string, value: number): string => {
    check(Number.isInteger(value) && value >= 1 && value <= 99999, field, value, "whole seconds (1-99999)");
    return String(value);
};
/** At most microsecond precision, written without exponent. */
const decimalSeconds = (field: string, value: number): string => {
    check(Number.isFinite(value) && value >= 0 && value < 100000, field, value, "seconds (0-99999)");
    return String(Number(value.toFixed(6)));
};
/** The lab's link timing rule (lab/rules.ts). */
const checkTiming = (failure: LinkFailure, durationSeconds: number): void => {
    const problems = linkTimingProblems({ downAtSeconds: failure.downAtSeconds, upAtSeconds: failure.upAtSeconds, durationSeconds });
    check(problems.length === 0, "failure", failure, "0 < downAtSeconds < upAtSeconds <= durationSeconds");
};
const resultsDir = (value: string): string => {
    check(RESULTS_DIR.test(value) && !/(^|\/)\.\.?(\/|$)/.test(value), "resultsDir", value, "an absolute path");
    return value;
};

export interface ServeOptions {
    port: number;
    /** The server gives up after this many seconds. */
    timeoutSeconds: number;
    resultsDir: string;
    /** The server's reporting interval (`-i`): the client's, so that a forward run's receiver counts at the same pace. */
    intervalSeconds: number;
    /** Run under `mptcpize run` (iperf3 before 3.19). */
    mptcpize: boolean;
}

export function serveArguments(options: ServeOptions): string[] {
    check(options.intervalSeconds >= SHORTEST_INTERVAL_SECONDS && options.intervalSeconds <= 60, "intervalSeconds", options.intervalSeconds, `${SHORTEST_INTERVAL_SECONDS} to 60 s`);
    return [
        "serve",
        "--port", port("port", options.port),
        "--timeout", wholeSeconds("timeoutSeconds", options.timeoutSeconds),
        "--results", resultsDir(options.resultsDir),
        "--interval", decimalSeconds("intervalSeconds", options.intervalSeconds),
        ...(options.mptcpize ? ["--mptcpize"] : []),
    ];
}

/** Stops the server on that port (its systemd unit), wherever it writes its results. */
export function serveStopArguments(options: { port: number }): string[] {
    return ["serve-stop", "--port", port("port", options.port)];
}

/** The link failure; times in seconds from the test start. Absent upAt: at the end. */
export interface LinkFailure {
    interface: string;
    downAtSeconds: number;
    upAtSeconds?: number;
    /** When the link comes back during the test, delete and re-add its MPTCP endpoints (failback). */
    reannounce?: boolean;
}

function failureArguments(failure: LinkFailure): string[] {
    return [
        "--fail-interface", interfaceName("failure.interface", failure.interface),
        "--down-at", decimalSeconds("failure.downAtSeconds", failure.downAtSeconds),
        ...(failure.upAtSeconds === undefined
            ? []
            : ["--up-at", decimalSeconds("failure.upAtSeconds", failure.upAtSeconds)]),
        ...(failure.reannounce === true ? ["--reannounce"] : []),
    ];
}

export interface ClientOptions {
    server: string;
    port: number;
    durationSeconds: number;
    intervalSeconds: number;
    mode: FailoverMode;
    reverse: boolean;
    /** Source address (`-B`); for the plain-TCP control, the failing interface's address. */
    bindAddress?: string;
    /** SO_BINDTODEVICE (`--bind-dev`); pins the plain-TCP control to the failing interface. */
    bindDevice?: string;
    resultsDir: string;
    /** Present when the client's own interface is the one that fails. */
    failure?: LinkFailure;
}

export function clientArguments(options: ClientOptions): string[] {
    check(["native", "mptcpize", "tcp"].includes(options.mode), "mode", options.mode, "native, mptcpize or tcp");
    // SO_BINDTODEVICE would pin every MPTCP subflow to one interface (see FIELD-NOTES).
    check(options.bindDevice === undefined || options.mode === "tcp", "bindDevice", options.bindDevice, "used with mode tcp only");
    check(options.intervalSeconds >= SHORTEST_INTERVAL_SECONDS && options.intervalSeconds <= 60, "intervalSeconds", options.intervalSeconds, `${SHORTEST_INTERVAL_SECONDS} to 60 s`);
    if (options.failure !== undefined) checkTiming(options.failure, options.durationSeconds);
    return [
        "client",
        "--server", address("server", options.server),
        "--port", port("port", options.port),
        "--duration", wholeSeconds("durationSeconds", options.durationSeconds),
        "--interval", decimalSeconds("intervalSeconds", options.intervalSeconds),
        "--mode", options.mode,
        ...(options.reverse ? ["--reverse"] : []),
        ...(options.bindAddress === undefined ? [] : ["--bind", address("bindAddress", options.bindAddress)]),
        ...(options.bindDevice === undefined ? [] : ["--bind-dev", interfaceName("bindDevice", options.bindDevice)]),
        "--results", resultsDir(options.resultsDir),
        ...(options.failure === undefined ? [] : failureArguments(options.failure)),
    ];
}

export interface FlipOptions {
    failure: LinkFailure;
    /** The test's server port, watched to learn when the test starts. */
    watchPort: number;
    /** The test length: when the link comes back if failure.upAtSeconds is absent. */
    durationSeconds: number;
    resultsDir: string;
    /** How long to wait for the test's connection to appear (default 60). */
    waitSeconds?: number;
    /** Return at once and flip from a process of its own, so that the client can start next. */
    detach: boolean;
}

export function flipArguments(options: FlipOptions): string[] {
    checkTiming(options.failure, options.durationSeconds);
    return [
        "flip",
        ...failureArguments(options.failure),
        "--duration", wholeSeconds("durationSeconds", options.durationSeconds),
        "--watch-port", port("watchPort", options.watchPort),
        "--results", resultsDir(options.resultsDir),
        ...(options.waitSeconds === undefined ? [] : ["--wait", wholeSeconds("waitSeconds", options.waitSeconds)]),
        ...(options.detach ? ["--detach"] : []),
    ];
}

/** Stops a flip of the interface still running, brings the link up and stops its guard; with resultsDir, a link found down is recorded there. */
export function restoreArguments(options: { interface: string; resultsDir?: string }): string[] {
    return [
        "restore",
        "--interface", interfaceName("interface", options.interface),
        ...(options.resultsDir === undefined ? [] : ["--results", resultsDir(options.resultsDir)]),
    ];
}
