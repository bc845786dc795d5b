// The Vega-Lite specification of one stack's chart: throughput over time of the MPTCP run and the
// plain-TCP control, the moments the link went down and came back, and the kernel's subflow events.
import type { TopLevelSpec } from "vega-lite";
import type { FailoverRun } from "../failover";
import { currentRun, figureSamples } from "../failover/analysis";
import { rollingRates, ROLLING_WINDOW_SECONDS } from "../failover/series";
import type { FailoverOutput } from "./types";

/** `ip mptcp monitor` events shown on the chart: those about subflows and announced addresses. */
export const SUBFLOW_EVENT_TYPES: readonly string[] = ["SF_ESTABLISHED", "SF_CLOSED", "SF_PRIO", "ANNOUNCED", "REMOVED"];

const runLabel = (run: FailoverRun): string => (run.mode === "tcp" ? "plain TCP (control)" : `MPTCP (${run.mode})`);

/** One row per iperf3 interval of the samples the figures come from (the receiver's), at its middle, in Mbit/s. */
export function throughputRows(failover: FailoverOutput): { run: string; seconds: number; mbits: number }[] {
    const runs = [failover.mptcp, ...(failover.control ? [failover.control] : [])];
    return runs.flatMap((run) =>
        figureSamples(run).map((sample) => ({ run: runLabel(run), seconds: (sample.start + sample.end) / 2, mbits: sample.bitsPerSecond / 1e6 })),
    );
}

/** The smoothed series: per run, the rate over the rolling window ending at each sample's end. */
export function smoothedRows(failover: FailoverOutput): { run: string; seconds: number; mbits: number }[] {
    const runs = [failover.mptcp, ...(failover.control ? [failover.control] : [])];
    return runs.flatMap((run) => rollingRates(figureSamples(run)).map((window) => ({ run: runLabel(run), seconds: window.end, mbits: window.bitsPerSecond / 1e6 })));
}

/** The link going down and coming back, per run that recorded it, and a failback's re-announcement. */
export function linkRows(failover: FailoverOutput): { run: string; seconds: number; label: string }[] {
    const runs = [failover.mptcp, ...(failover.control ? [failover.control] : [])];
    return runs.flatMap((recorded) => {
        const run = currentRun(recorded);
        const name = run.failedInterface ?? "link";
        const rows = [];
        if (run.summary.linkDownAt !== null) rows.push({ run: runLabel(run), seconds: run.summary.linkDownAt, label: `${name} down` });
        if (run.summary.linkUpAt !== null) rows.push({ run: runLabel(run), seconds: run.summary.linkUpAt, label: `${name} up` });
        if (run.summary.endpointReannouncedAt !== null) rows.push({ run: runLabel(run), seconds: run.summary.endpointReannouncedAt, label: "endpoint re-announced" });
        return rows;
    });
}

/** The MPTCP run's subflow events within the test. */
export function subflowRows(failover: FailoverOutput): { seconds: number; event: string; detail: string }[] {
    const end = failover.mptcp.intervals.at(-1)?.end ?? 0;
    return failover.mptcp.events
        .filter((event) => SUBFLOW_EVENT_TYPES.includes(event.type) && event.time >= 0 && event.time <= end + 0.5)
        .map((event) => ({
            seconds: event.time,
            event: event.type,
            detail: [event.fields.saddr4, event.fields.daddr4].filter(Boolean).join(" -> ") || event.fields.token || "",
        }));
}

export function throughputSpec(stack: string, failover: FailoverOutput): TopLevelSpec {
    const throughput = throughputRows(failover);
    const top = Math.max(1, ...throughput.map((row) => row.mbits));
    const x = { field: "seconds", type: "quantitative", title: "time since the test started (s)" } as const;
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v5.json",
        title: { text: `${stack}: throughput while the link fails`, subtitle: `run ${failover.runId}` },
        width: 720,
        height: 300,
        layer: [
            {
                // The raw samples, faint: single 0.1 s samples alias against the sender's writes.
                data: { values: throughput },
                mark: { type: "line", interpolate: "linear", strokeWidth: 1, opacity: 0.3 },
                encoding: {
                    x,
                    y: { field: "mbits", type: "quantitative", title: "throughput (Mbit/s)", scale: { domain: [0, top * 1.15] } },
                    color: { field: "run", type: "nominal", title: "run", scale: { range: ["#1f77b4", "#ff7f0e"] } },
                },
            },
            {
                // Over them, the rate over the rolling window: what every figure is read from.
                data: { values: smoothedRows(failover) },
                mark: { type: "line", interpolate: "linear", strokeWidth: 2.2 },
                encoding: {
                    x,
                    y: { field: "mbits", type: "quantitative" },
                    color: { field: "run", type: "nominal" },
                    tooltip: [{ field: "run" }, { field: "seconds", format: ".2f" }, { field: "mbits", format: ".1f", title: `Mbit/s over ${ROLLING_WINDOW_SECONDS} s` }],
                },
            },
            {
                data: { values: linkRows(failover) },
                mark: { type: "rule", strokeDash: [6, 4] },
                encoding: { x, color: { field: "run", type: "nominal" }, tooltip: [{ field: "label" }, { field: "seconds", format: ".2f" }] },
            },
            {
                data: { values: linkRows(failover).filter((row) => row.run === runLabel(failover.mptcp)) },
                mark: { type: "text", align: "left", dx: 4, dy: -4, baseline: "bottom", fontSize: 11 },
                encoding: { x, y: { datum: top * 1.12, type: "quantitative" }, text: { field: "label" } },
            },
            {
                data: { values: subflowRows(failover) },
                mark: { type: "point", filled: true, size: 90 },
                encoding: {
                    x,
                    y: { datum: top * 1.02, type: "quantitative" },
                    shape: { field: "event", type: "nominal", title: "subflow event" },
                    tooltip: [{ field: "event" }, { field: "detail" }, { field: "seconds", format: ".3f" }],
                },
            },
        ],
        resolve: { scale: { color: "shared" } },
        config: { font: "sans-serif", view: { stroke: null } },
    };
}
