// The HTML report: the bench table, then each stack's chart (SVG rendered here, inline) and its
// versions. One self-contained file: no scripts, no external resources.
import { formatSpreadTable } from "../failover/spread-table";
import { renderSvg } from "./render";
import { BENCH_COLUMNS, benchRow } from "./summary";
import { throughputSpec } from "./throughput-spec";
import type { StackResult } from "./types";

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] as string);
}

const STYLE = `body{font-family:sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}
figure{margin:1.5rem 0}.table-scroll{overflow-x:auto}table.benches{font-size:.85rem}figcaption{font-size:.9rem;color:#555}.missing{color:#a00}`;

function benchTable(results: readonly StackResult[]): string {
    const head = BENCH_COLUMNS.map((column) => `<th>${escapeHtml(column.title)}</th>`).join("");
    const rows = results.map((result) => {
        const row = benchRow(result);
        return `<tr data-stack="${escapeHtml(result.stack)}">${BENCH_COLUMNS.map((column) => `<td>${escapeHtml(row[column.key])}</td>`).join("")}</tr>`;
    });
    return `<div class="table-scroll"><table class="benches"><thead><tr>${head}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table></div>`;
}

function versions(result: StackResult): string {
    const entries = Object.entries(result.failover?.versions ?? {}).flatMap(([what, perHost]) => Object.entries(perHost).map(([host, version]) => `${what} on ${host}: ${version}`));
    return entries.map(escapeHtml).join("; ");
}

async function stackSection(result: StackResult): Promise<string> {
    const title = `<h2 id="stack-${escapeHtml(result.stack)}">${escapeHtml(result.stack)}</h2>`;
    if (!result.failover) return `<section class="stack">${title}<p class="missing">${escapeHtml(result.missing ?? "no failover result")}</p></section>`;
    const svg = await renderSvg(throughputSpec(result.stack, result.failover));
    const caption = `Faint lines: iperf3's raw samples; bold lines: the rate over a rolling 0.5 s window, from which every figure is read. Dashed lines: the link going down and coming back (per run) and, with failback, the endpoint re-announced. Symbols: the kernel's subflow events on the MPTCP run. Raw results: ${escapeHtml(result.failover.resultsDir)}. ${versions(result)}`;
    const spread = result.failover.spread;
    const spreadTable = spread
        ? `<pre class="spread">${escapeHtml([formatSpreadTable(spread.mptcp), ...(spread.control ? [formatSpreadTable(spread.control, "Plain-TCP control")] : [])].join("\n\n"))}</pre>` +
          `<p>The chart shows the last of ${spread.mptcp.runs} runs; the raw files of every run are under ${escapeHtml(result.failover.resultsDir)}/run-&lt;i&gt;.</p>`
        : "";
    return `<section class="stack">${title}${spreadTable}<figure class="chart" data-stack="${escapeHtml(result.stack)}">${svg}<figcaption>${caption}</figcaption></figure></section>`;
}

export async function reportHtml(results: readonly StackResult[], generatedAt: Date): Promise<string> {
    const sections = [];
    for (const result of results) sections.push(await stackSection(result));
    const heading = results.length === 1 ? `MPTCP failover: ${results[0].stack}` : `MPTCP failover: ${results.length} benches`;
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        `<title>${escapeHtml(heading)}</title><style>${STYLE}</style></head><body>`,
        `<h1>${escapeHtml(heading)}</h1>`,
        `<p>Generated ${escapeHtml(generatedAt.toISOString())} from the stacks' <code>failover</code> outputs. Rates are bytes over time (docs/failover-figures.md); each column is one figure in the unit its title names; a bench tested more than once shows the median over its runs with [min - max].</p>`,
        benchTable(results),
        ...sections,
        "</body></html>",
        "",
    ].join("\n");
}
