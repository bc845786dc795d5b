// The shapes of a failover run's analysis. Plain data: what the Pulumi component exports as
// stack outputs and what the CLI prints.

/** How the client asked for MPTCP: iperf3's own `-m` (3.19+), `mptcpize run`, or not at all. */
export type FailoverMode = "native" | "mptcpize" | "tcp";

/** One iperf3 reporting interval, as seen by the client (receiver-side numbers with `-R`). */
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

export interface FailoverSummary {
    /** Median rate before the link went down, the first 0.5 s (slow start) skipped. */
    baselineBitsPerSecond: number;
    /** Lowest interval rate from the failure on. */
    lowestBitsPerSecond: number;
    /** Start of the interval with the lowest rate, seconds from the test start. */
    lowestAt: number;
    /** Time spent at (near) zero, under 1% of the baseline, from the failure on. */
    stallSeconds: number;
    /** Link down until a rolling 0.5 s window is back within 10% of the baseline; null if never. */
    recoverySeconds: number | null;
    /** Median rate while the link was down: what the surviving paths sustain. */
    survivingRateBitsPerSecond: number;
    /** Like recoverySeconds, against the surviving rate; null if nothing survived. */
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
    /** Why the run did not survive, or why the files could not be read in full. */
    error?: string;
}

export interface FailoverRun {
    mode: FailoverMode;
    intervals: IntervalSample[];
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
