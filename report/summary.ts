// One row per bench: the figures a classroom compares, shared by the HTML table and the terminal.
// Each column holds one figure measured one way (docs/failover-figures.md) in one unit, named in
// its title, so that rows compare: rates in Mbit/s, times in seconds, never a unit per cell.
import { currentRun } from "../failover/analysis";
import { linkReturnedInTime } from "../failover/table";
import type { FigureSpread, SpreadFigure } from "../failover";
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
    failbackSubflow: string;
    failbackToBaseline: string;
    survived: string;
    subflowsJoined: string;
    controlStall: string;
    controlMeanWhileDown: string;
}

export const BENCH_COLUMNS: readonly { key: keyof BenchRow; title: string }[] = [
    { key: "stack", title: "bench" },
    { key: "runs", title: "runs" },
    { key: "baseline", title: "baseline (Mbit/s)" },
    { key: "surviving", title: "surviving rate (Mbit/s)" },
    { key: "meanWhileDown", title: "mean while down (Mbit/s)" },
    { key: "stall", title: "stall (s)" },
    { key: "recoveryToSurviving", title: "recovery to surviving rate (s)" },
    { key: "recoveryToBaseline", title: "recovery to baseline (s)" },
    { key: "failbackSubflow", title: "link up to new subflow (s)" },
    { key: "failbackToBaseline", title: "link up to baseline (s)" },
    { key: "survived", title: "survived" },
    { key: "subflowsJoined", title: "subflows joined" },
    { key: "controlStall", title: "TCP control stall (s)" },
    { key: "controlMeanWhileDown", title: "TCP control mean while down (Mbit/s)" },
];

/** A rate in the table's one unit, Mbit/s. */
export const formatMbit = (bitsPerSecond: number | null): string => (bitsPerSecond === null ? "-" : (bitsPerSecond / 1e6).toFixed(1));

/** A time in seconds without its unit (the column names it), or "never". */
export const formatTime = (seconds: number | null): string => (seconds === null ? "never" : seconds.toFixed(2));

const cellOf = (figure: SpreadFigure, value: number | null): string => (figure.endsWith("BitsPerSecond") ? formatMbit(value) : formatTime(value));

/** `median [min - max]` over repeated runs, in the column's unit. */
const spreadCell = (figure: SpreadFigure, spread: FigureSpread): string =>
    `${cellOf(figure, spread.median)} [${cellOf(figure, spread.min)} - ${cellOf(figure, spread.max)}]`;

const EMPTY: Omit<BenchRow, "stack"> = {
    runs: "0", baseline: "", surviving: "", meanWhileDown: "", stall: "", recoveryToSurviving: "", recoveryToBaseline: "",
    failbackSubflow: "", failbackToBaseline: "", survived: "", subflowsJoined: "", controlStall: "", controlMeanWhileDown: "",
};

/** The bench's row; a bench without a result has only its name and 0 runs (the reason is printed beside the table). */
export function benchRow(result: StackResult): BenchRow {
    const recorded = result.failover?.mptcp;
    if (!recorded) return { stack: result.stack, ...EMPTY };
    const run = currentRun(recorded);
    const { summary } = run;
    const controlRun = result.failover?.control;
    const control = controlRun ? currentRun(controlRun).summary : undefined;
    const spread = result.failover?.spread?.mptcp;
    const figure = (key: SpreadFigure): string => (spread ? spreadCell(key, spread.figures[key]) : cellOf(key, summary[key]));
    // Failback figures exist only when the link went down and came back in time for a window.
    const failbackMeasured = run.mode !== "tcp" && summary.linkDownAt !== null && linkReturnedInTime(run);
    const failbackOff = summary.endpointReannouncedAt === null && summary.failbackSubflowSeconds === null;
    return {
        stack: result.stack,
        runs: spread ? String(spread.runs) : "1",
        baseline: figure("baselineBitsPerSecond"),
        surviving: figure("survivingRateBitsPerSecond"),
        meanWhileDown: figure("meanRateWhileDownBitsPerSecond"),
        stall: figure("stallSeconds"),
        recoveryToSurviving: figure("recoveryToSurvivingSeconds"),
        recoveryToBaseline: figure("recoveryToBaselineSeconds"),
        failbackSubflow: !failbackMeasured ? "-" : failbackOff ? "never (failback off)" : figure("failbackSubflowSeconds"),
        failbackToBaseline: !failbackMeasured ? "-" : figure("failbackRecoverySeconds"),
        survived: spread ? `${spread.survived} of ${spread.runs}` : summary.survived ? "yes" : "no",
        subflowsJoined: String(summary.subflowsJoined),
        controlStall: control ? formatTime(control.stallSeconds) : "-",
        controlMeanWhileDown: control ? formatMbit(control.meanRateWhileDownBitsPerSecond) : "-",
    };
}
