// Failover reports: the HTML page with its charts, the terminal summary, and their pieces.
export { escapeHtml, reportHtml } from "./html";
export { renderSvg } from "./render";
export { BENCH_COLUMNS, benchRow } from "./summary";
export type { BenchRow } from "./summary";
export { formatBenchTable, sparkline, terminalSummary } from "./terminal";
export { linkRows, smoothedRows, subflowRows, SUBFLOW_EVENT_TYPES, throughputRows, throughputSpec } from "./throughput-spec";
export type { FailoverOutput, FailoverReader, StackResult } from "./types";
