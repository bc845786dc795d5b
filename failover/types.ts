// The shapes of a failover run's analysis. Plain data: what the Pulumi component exports as
// stack outputs and what the CLI prints.

/** How the client asked for MPTCP: iperf3's own `-m` (3.19+), `mptcpize run`, or not at all. */
export type FailoverMode = "native" | "mptcpize" | "tcp";

/** One iperf3 reporting interval, as one side reported it: the client (receiver-side numbers with `-R`) or the server. */
export interface IntervalSample {
    /** Seconds relative to the start of the test. */
    start: number;
    end: number;
    bitsPerSecond: number;
    /** Sender side only; under MPTCP from the first subflow alone (see FIELD-NOTES). */
    retransmits: number | null;
    /** Sender side only; under MPTCP from the first subflow alone. */
    cwndBytes: number | null;
}

/** Event types printed by `ip mptcp monitor` (iproute2 6.1 prints listener events as UNKNOWN). */
export type MonitorEventType =
    | "CREATED"
    | "ESTABLISHED"
    | "ANNOUNCED"
    | "REMOVED"
    | "SF_ESTABLISHED"
    | "SF_CLOSED"
    | "SF_PRIO"
    | "CLOSED"
    | (string & {});

export interface MonitorEvent {
    /** Seconds relative to the start of the test (negative: before iperf3 started). */
    time: number;
    type: MonitorEventType;
    /** The `key=value` pairs of the line: token, saddr4, daddr4, sport, dport, locid, remid, ... */
    fields: Record<string, string>;
}

/** The rate over one stretch of the smoothed series: delivered bits over its length. */
export interface RateWindow {
    /** Seconds from the test start. */
    start: number;
    end: number;
    bitsPerSecond: number;
}

/**
 * The figures of one run. Every rate is bytes delivered over a stated stretch divided by its
 * length, never a single sample; docs/failover-figures.md defines each one.
 */
export interface FailoverSummary {
    /** Length of the rolling window behind `lowest*` and the recovery figures, in seconds (0.5). */
    windowSeconds: number;
    /** Pre-failure baseline: bytes from 0.5 s (slow start skipped) to the failure over that time. */
    baselineBitsPerSecond: number;
    /** Lowest rolling-window rate from the failure on. */
    lowestBitsPerSecond: number;
    /** Start of that window, seconds from the test start. */
    lowestAt: number;
    /** Longest stretch from the failure on with (nearly) nothing delivered (under 1% of the baseline), at least 0.2 s; 0 if none. */
    stallSeconds: number;
    /** Start of that stretch, seconds from the test start; null without a stall. */
    stallAt: number | null;
    /** Link down until a rolling window is back within 10% of the pre-failure baseline; null if never. */
    recoveryToBaselineSeconds: number | null;
    /** What the surviving paths sustain: bytes from `survivingRateFrom` until the link came back, over that time. */
    survivingRateBitsPerSecond: number;
    /** Start of that stretch: 1 s after the failure (at most half the outage), or the stall's end when later; null without a failure. */
    survivingRateFrom: number | null;
    /** Bytes over the whole time the link was down (stall included); equals the baseline without a failure. */
    meanRateWhileDownBitsPerSecond: number;
    /** Link down until a rolling window is back within 10% of the surviving rate; null if never or nothing survived. */
    recoveryToSurvivingSeconds: number | null;
    /** Bytes that arrived (the receiver's count when iperf3 reported it). */
    totalBytes: number;
    /** Sender retransmits; under MPTCP from the first subflow only: never judge failover by it. */
    retransmits: number | null;
    /** Ran the full duration and iperf3 reported no error. */
    survived: boolean;
    /** The kernel reported at least one joined subflow on the test's data connection. */
    mptcpVerified: boolean;
    /** Subflows the kernel reported joined (SF_ESTABLISHED) on the test's data connection. */
    subflowsJoined: number;
    /** When the link went down, seconds from the test start; null if it never did. */
    linkDownAt: number | null;
    /** When the link came back, seconds from the test start; null if not recorded. */
    linkUpAt: number | null;
    /** When the failed interface's endpoints were deleted and re-added (failback on); null if they were not. */
    endpointReannouncedAt: number | null;
    /** Link up to the first subflow the kernel joined (SF_ESTABLISHED) on the data connection after it; null if none. */
    failbackSubflowSeconds: number | null;
    /** Link up to the start of the first rolling window within 10% of the pre-failure baseline; null if never. */
    failbackRecoverySeconds: number | null;
    /** Why the run did not survive, or why the files could not be read in full. */
    error?: string;
}

/** Whose byte counts the figures come from: the receiver's (server.json forward, client.json with `-R`), or the client's writes when the server's are missing. */
export type FiguresSource = "server" | "client";

export interface FailoverRun {
    mode: FailoverMode;
    /** The client's raw samples (client.json), unchanged. */
    intervals: IntervalSample[];
    /** The server's raw samples (server.json), unchanged; absent in outputs recorded before the server reported at the test's interval. */
    serverIntervals?: IntervalSample[];
    /** Which samples the summary's figures come from; absent (read: client) in older outputs. */
    figuresFrom?: FiguresSource;
    events: MonitorEvent[];
    summary: FailoverSummary;
    /** iperf3's version number, e.g. `3.12`, or `unknown`. */
    iperf3Version: string;
    /** The interface that was failed, from the link events; null when none was recorded. */
    failedInterface: string | null;
}

/** The raw result files of one run, as downloaded from the hosts. */
export interface FailoverRunFiles {
    /** client.json: iperf3 -J output of the client. */
    clientJson: string;
    /** server.json: iperf3 -J output of the server, the receiver of a forward run. */
    serverJson?: string;
    /** monitor.log: time-stamped `ip mptcp monitor` lines from the client. */
    monitorLog?: string;
    /** link-events: from the host whose link failed (client or, with `flip`, another host). */
    linkEvents?: string;
    /** meta.json: the client runner's versions, mode, arguments and start time. */
    meta?: string;
}

/** The failure schedule that was asked for; measured link events take precedence. */
export interface FailoverSchedule {
    downAtSeconds: number;
    /** Absent: the link came back at the end of the test. */
    upAtSeconds?: number;
    /** Overrides the mode recorded in meta.json (needed when meta.json is missing). */
    mode?: FailoverMode;
}
