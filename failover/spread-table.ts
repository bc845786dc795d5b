// The spread of a repeated failover test as a terminal table: per figure the median, p95, min and
// max over the runs, in the units of the single-run summary.
import type { FailoverSpread, SpreadFigure } from "./aggregate";
import { formatBitrate, formatSeconds } from "./table";

/** Row labels, as in the single-run summary; recovery times print null as "never". */
export const SPREAD_LABELS: Readonly<Record<SpreadFigure, string>> = {
    baselineBitsPerSecond: "Baseline",
    survivingRateBitsPerSecond: "Surviving rate",
    meanRateWhileDownBitsPerSecond: "Mean while down",
    lowestBitsPerSecond: "Lowest",
    stallSeconds: "Stall",
    recoveryToSurvivingSeconds: "Recovery (paths)",
    recoveryToBaselineSeconds: "Recovery (base)",
    failbackSubflowSeconds: "Failback subflow",
    failbackRecoverySeconds: "Failback to base",
};

/** One figure's value in its unit. */
export function formatFigure(figure: SpreadFigure, value: number | null): string {
    if (figure.endsWith("BitsPerSecond")) return value === null ? "-" : formatBitrate(value);
    return formatSeconds(value);
}

export function formatSpreadTable(spread: FailoverSpread, title = "MPTCP"): string {
    const header = [`${title} over ${spread.runs} runs (${spread.survived} survived)`, "median", "p95", "min", "max"];
    const rows = (Object.keys(SPREAD_LABELS) as SpreadFigure[]).map((figure) => {
        const figures = spread.figures[figure];
        return [SPREAD_LABELS[figure], ...[figures.median, figures.p95, figures.min, figures.max].map((value) => formatFigure(figure, value))];
    });
    const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
    const line = (cells: readonly string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ").trimEnd();
    return [line(header), ...rows.map(line)].join("\n");
}
