// The terminal summary of a report: the bench table, then a sparkline of throughput per stack.
import type { FailoverRun } from "../failover";
import { BENCH_COLUMNS, benchRow, type BenchRow } from "./summary";
import type { StackResult } from "./types";

const BLOCKS = "▁▂▃▄▅▆▇█";

/** Throughput as one line of block characters, `width` buckets wide, scaled to `top` bits/s. */
export function sparkline(run: FailoverRun, width: number, top: number): string {
    const end = run.intervals.at(-1)?.end ?? 0;
    if (end === 0 || top <= 0) return "";
    const buckets = Array.from({ length: width }, () => ({ sum: 0, seconds: 0 }));
    for (const sample of run.intervals) {
        const index = Math.min(width - 1, Math.floor(((sample.start + sample.end) / 2 / end) * width));
        buckets[index].sum += sample.bitsPerSecond * (sample.end - sample.start);
        buckets[index].seconds += sample.end - sample.start;
    }
    return buckets
        .map((bucket) => {
            if (bucket.seconds === 0) return " ";
            const level = Math.round((bucket.sum / bucket.seconds / top) * (BLOCKS.length - 1));
            return BLOCKS[Math.max(0, Math.min(BLOCKS.length - 1, level))];
        })
        .join("");
}

export function formatBenchTable(rows: readonly BenchRow[]): string {
    const widths = BENCH_COLUMNS.map((column) => Math.max(column.title.length, ...rows.map((row) => row[column.key].length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
    return [line(BENCH_COLUMNS.map((column) => column.title)), line(widths.map((width) => "-".repeat(width))), ...rows.map((row) => line(BENCH_COLUMNS.map((column) => row[column.key])))].join("\n");
}

/** The table, then per stack a sparkline of each run on one scale, with the failure's moments. */
export function terminalSummary(results: readonly StackResult[], width = 50): string {
    const lines = [formatBenchTable(results.map(benchRow)), ""];
    const missing = results.filter((result) => !result.failover);
    if (missing.length > 0) lines.push(...missing.map((result) => `${result.stack}: ${result.missing ?? "no failover result"}`), "");
    for (const result of results) {
        const failover = result.failover;
        if (!failover) continue;
        const runs = [failover.mptcp, ...(failover.control ? [failover.control] : [])];
        const top = Math.max(...runs.flatMap((run) => run.intervals.map((sample) => sample.bitsPerSecond)));
        const { linkDownAt, linkUpAt } = failover.mptcp.summary;
        const when = linkDownAt === null ? "" : `  (${failover.mptcp.failedInterface ?? "link"} down ${linkDownAt.toFixed(1)} s${linkUpAt === null ? "" : `, up ${linkUpAt.toFixed(1)} s`})`;
        lines.push(`${result.stack}${when}`);
        for (const run of runs) lines.push(`  ${(run.mode === "tcp" ? "tcp" : "mptcp").padEnd(6)}${sparkline(run, width, top)}`);
    }
    return lines.join("\n").trimEnd();
}
