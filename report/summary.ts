// One row per bench: the figures a classroom compares, shared by the HTML table and the terminal.
// Each column holds one figure measured one way (docs/failover-figures.md), so rows compare.
import { currentRun } from "../failover/analysis";
import { failbackCell, formatBitrate, formatSeconds } from "../failover/table";
import { formatSpreadCell } from "../failover/spread-table";
import type { SpreadFigure } from "../failover";
import type { StackResult } from "./types";

export interface BenchRow {
    stack: string;
    runs: string;
    baseline: string;
    surviving: string;
    meanWhileDown: string;
    stall: string;
    recoveryToSurviving: string;
    recoveryToBaseline: string;
    failback: string;
    survived: string;
    mptcpVerified: string;
    control: string;
}

export const BENCH_COLUMNS: readonly { key: keyof BenchRow; title: string }[] = [
    { key: "stack", title: "bench" },
    { key: "runs", title: "runs" },
    { key: "baseline", title: "baseline (before)" },
    { key: "surviving", title: "surviving rate" },
    { key: "meanWhileDown", title: "mean while down" },
    { key: "stall", title: "stall" },
    { key: "recoveryToSurviving", title: "recovery to surviving rate" },
    { key: "recoveryToBaseline", title: "recovery to baseline" },
    { key: "failback", title: "after the link returned" },
    { key: "survived", title: "survived" },
    { key: "mptcpVerified", title: "MPTCP verified" },
    { key: "control", title: "plain-TCP control" },
];

export function benchRow(result: StackResult): BenchRow {
    const recorded = result.failover?.mptcp;
    if (!recorded) {
        const none = result.missing ?? "no failover result";
        return { stack: result.stack, runs: "", baseline: none, surviving: "", meanWhileDown: "", stall: "", recoveryToSurviving: "", recoveryToBaseline: "", failback: "", survived: "", mptcpVerified: "", control: "" };
    }
    const run = currentRun(recorded);
    const { summary } = run;
    const controlRun = result.failover?.control;
    const control = controlRun ? currentRun(controlRun).summary : undefined;
    const spread = result.failover?.spread?.mptcp;
    // Repeated runs: the median over the runs with their range, in the same unit as one run.
    const figure = (key: SpreadFigure, single: string) => (spread ? formatSpreadCell(key, spread.figures[key]) : single);
    return {
        stack: result.stack,
        runs: spread ? String(spread.runs) : "1",
        baseline: figure("baselineBitsPerSecond", formatBitrate(summary.baselineBitsPerSecond)),
        surviving: figure("survivingRateBitsPerSecond", formatBitrate(summary.survivingRateBitsPerSecond)),
        meanWhileDown: figure("meanRateWhileDownBitsPerSecond", formatBitrate(summary.meanRateWhileDownBitsPerSecond)),
        stall: figure("stallSeconds", formatSeconds(summary.stallSeconds)),
        recoveryToSurviving: figure("recoveryToSurvivingSeconds", formatSeconds(summary.recoveryToSurvivingSeconds)),
        recoveryToBaseline: figure("recoveryToBaselineSeconds", formatSeconds(summary.recoveryToBaselineSeconds)),
        failback: failbackCell(run),
        survived: spread ? `${spread.survived} of ${spread.runs}` : summary.survived ? "yes" : "no",
        mptcpVerified: summary.mptcpVerified ? `yes (${summary.subflowsJoined} subflows)` : "no",
        control: control ? `stall ${formatSeconds(control.stallSeconds)}, mean while down ${formatBitrate(control.meanRateWhileDownBitsPerSecond)}` : "none",
    };
}
