// One row per bench: the figures a classroom compares, shared by the HTML table and the terminal.
import { formatBitrate, formatSeconds } from "../failover/table";
import type { StackResult } from "./types";

export interface BenchRow {
    stack: string;
    baseline: string;
    dip: string;
    stall: string;
    recovery: string;
    survived: string;
    mptcpVerified: string;
    control: string;
}

export const BENCH_COLUMNS: readonly { key: keyof BenchRow; title: string }[] = [
    { key: "stack", title: "bench" },
    { key: "baseline", title: "baseline" },
    { key: "dip", title: "dip (lowest)" },
    { key: "stall", title: "stall" },
    { key: "recovery", title: "recovery time" },
    { key: "survived", title: "survived" },
    { key: "mptcpVerified", title: "MPTCP verified" },
    { key: "control", title: "plain-TCP control" },
];

export function benchRow(result: StackResult): BenchRow {
    const run = result.failover?.mptcp;
    if (!run) {
        const none = result.missing ?? "no failover result";
        return { stack: result.stack, baseline: none, dip: "", stall: "", recovery: "", survived: "", mptcpVerified: "", control: "" };
    }
    const { summary } = run;
    // Back to the baseline when the surviving paths carry it; otherwise to what they sustain.
    const recovery =
        summary.recoverySeconds !== null ? `${formatSeconds(summary.recoverySeconds)} to baseline` : summary.recoveryToSurvivingSeconds !== null ? `${formatSeconds(summary.recoveryToSurvivingSeconds)} to ${formatBitrate(summary.survivingRateBitsPerSecond)}` : "never";
    const control = result.failover?.control?.summary;
    return {
        stack: result.stack,
        baseline: formatBitrate(summary.baselineBitsPerSecond),
        dip: `${formatBitrate(summary.lowestBitsPerSecond)} at ${summary.lowestAt.toFixed(2)} s`,
        stall: formatSeconds(summary.stallSeconds),
        recovery,
        survived: summary.survived ? "yes" : "no",
        mptcpVerified: summary.mptcpVerified ? `yes (${summary.subflowsJoined} subflows)` : "no",
        control: control ? `stall ${formatSeconds(control.stallSeconds)}, recovery ${formatSeconds(control.recoverySeconds)}` : "none",
    };
}
