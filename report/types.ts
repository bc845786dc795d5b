// What a report is made of: each stack's `failover` output, as the failover test exports it.
import type { FailoverRun, FailoverSpread } from "../failover";

/** The stack output `failover` (components/failover-test.ts). */
export interface FailoverOutput {
    runId: string;
    resultsDir: string;
    mptcp: FailoverRun;
    /** Absent (or null) when the lab runs no plain-TCP control. */
    control?: FailoverRun | null;
    /** Every run, when the test ran more than once (`repeat`): its raw files' folder and results. */
    runs?: { resultsDir: string; mptcp: FailoverRun; control?: FailoverRun }[] | null;
    /** The median, p95, min and max of each figure over those runs. */
    spread?: { mptcp: FailoverSpread; control?: FailoverSpread } | null;
    versions?: Record<string, Record<string, string>>;
    endpoints?: Record<string, unknown>;
}

/** One stack in a report: its failover output, or why there is none. */
export interface StackResult {
    stack: string;
    failover?: FailoverOutput;
    /** Why the stack has no result (no failover output yet, an unreadable stack). */
    missing?: string;
}

/** Reads a stack's `failover` output; undefined when the stack has none. */
export type FailoverReader = (stack: string) => Promise<FailoverOutput | undefined>;
