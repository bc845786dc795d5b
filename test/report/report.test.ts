import test from "ava";
import { BENCH_COLUMNS, benchRow, escapeHtml, linkRows, renderSvg, reportHtml, smoothedRows, sparkline, subflowRows, terminalSummary, throughputRows, throughputSpec } from "../../report";
import { spreadOf } from "../../failover";
import { classroomResults, recordedFailover } from "./fixture";

test("the chart's data has one row per interval of both runs, in Mbit/s", (t) => {
    const failover = recordedFailover();
    const rows = throughputRows(failover);
    t.is(rows.length, failover.mptcp.intervals.length + (failover.control?.intervals.length ?? 0));
    t.deepEqual([...new Set(rows.map((row) => row.run))], ["MPTCP (mptcpize)", "plain TCP (control)"]);
    const first = failover.mptcp.intervals[0];
    t.deepEqual(rows[0], { run: "MPTCP (mptcpize)", seconds: (first.start + first.end) / 2, mbits: first.bitsPerSecond / 1e6 });
});

test("the smoothed series is the rolling-window rate of each run, with none of the aliasing of single samples", (t) => {
    const failover = recordedFailover();
    const mptcp = smoothedRows(failover).filter((row) => row.run === "MPTCP (mptcpize)");
    t.is(mptcp.length, failover.mptcp.intervals.length - 4); // the first window ends with the fifth sample
    // While wlan0 was down and after the stall (4.0 s to 7.0 s) single samples swing 136 to 294 Mbit/s.
    const whileDown = mptcp.filter((row) => row.seconds >= 4.5 && row.seconds <= 7);
    const raw = failover.mptcp.intervals.filter((sample) => sample.end >= 4.5 && sample.end <= 7).map((sample) => sample.bitsPerSecond / 1e6);
    t.true(Math.max(...raw) - Math.min(...raw) > 140);
    t.true(Math.max(...whileDown.map((row) => row.mbits)) - Math.min(...whileDown.map((row) => row.mbits)) < 60);
});

test("a re-announced endpoint is marked on the chart with the link's moments", (t) => {
    const failover = recordedFailover();
    failover.mptcp.summary = { ...failover.mptcp.summary, endpointReannouncedAt: 7.05 };
    t.true(linkRows(failover).some((row) => row.label === "endpoint re-announced" && row.seconds === 7.05));
});

test("the link's moments come from each run's measured link events", (t) => {
    const failover = recordedFailover();
    t.deepEqual(
        linkRows(failover).map((row) => `${row.run}: ${row.label} at ${row.seconds.toFixed(2)}`),
        ["MPTCP (mptcpize): wlan0 down at 3.00", "MPTCP (mptcpize): wlan0 up at 7.00", "plain TCP (control): wlan0 down at 3.01", "plain TCP (control): wlan0 up at 7.00"],
    );
});

test("only subflow and address events are marked, not connection events", (t) => {
    const rows = subflowRows(recordedFailover());
    t.deepEqual([...new Set(rows.map((row) => row.event))].sort(), ["ANNOUNCED", "SF_ESTABLISHED"]);
    t.is(rows.filter((row) => row.event === "SF_ESTABLISHED").length, 4);
    t.true(rows.some((row) => row.detail === "198.18.0.173 -> 198.18.0.218"));
});

test("the headless renderer draws the chart's axes, lines, rules and event symbols as SVG", async (t) => {
    const svg = await renderSvg(throughputSpec("emulated", recordedFailover()));
    t.regex(svg, /^<svg /);
    // Vega draws each of the two axes as a grid group and a group with ticks, labels and title.
    t.is((svg.match(/class="mark-group role-axis"/g) ?? []).length, 4);
    t.regex(svg, />time since the test started \(s\)</);
    for (const mark of ["mark-line", "mark-rule", "mark-text", "mark-symbol"]) t.regex(svg, new RegExp(`class="${mark} role-mark`), mark);
    t.regex(svg, />wlan0 down</);
    t.regex(svg, />throughput \(Mbit\/s\)</);
});

test("a bench row carries one figure per column, each in the unit its title names", (t) => {
    t.deepEqual(benchRow(classroomResults()[0]), {
        stack: "t-class-1",
        runs: "1",
        baseline: "254.0",
        surviving: "187.3",
        meanWhileDown: "168.5",
        stall: "0.40",
        recoveryToSurviving: "0.60",
        recoveryToBaseline: "never",
        failbackSubflow: "never (failback off)",
        failbackToBaseline: "never",
        survived: "yes",
        subflowsJoined: "2",
        controlStall: "6.69",
        controlMeanWhileDown: "0.0",
    });
    t.like(benchRow(classroomResults()[1]), { survived: "no", subflowsJoined: "0", recoveryToSurviving: "never" });
    t.like(benchRow(classroomResults()[2]), { stack: "t-class-3", runs: "0", baseline: "", survived: "" });
    t.deepEqual(BENCH_COLUMNS.map((column) => column.key).sort(), Object.keys(benchRow(classroomResults()[0])).sort());
    const title = (key: string) => BENCH_COLUMNS.find((column) => column.key === key)?.title ?? "";
    for (const key of ["baseline", "surviving", "meanWhileDown", "controlMeanWhileDown"]) t.regex(title(key), /\(Mbit\/s\)$/);
    for (const key of ["stall", "recoveryToSurviving", "recoveryToBaseline", "failbackSubflow", "failbackToBaseline", "controlStall"]) t.regex(title(key), /\(s\)$/);
});

test("a bench whose lab brings the link back at the very end has no failback figures, and one with failback on has both", (t) => {
    const failover = recordedFailover();
    const late = { ...failover, mptcp: { ...failover.mptcp, summary: { ...failover.mptcp.summary, linkUpAt: 9.9 } } };
    t.like(benchRow({ stack: "late", failover: late }), { failbackSubflow: "-", failbackToBaseline: "-" });
    const back = { ...failover, mptcp: { ...failover.mptcp, summary: { ...failover.mptcp.summary, endpointReannouncedAt: 7.02, failbackSubflowSeconds: 0.03, failbackRecoverySeconds: 0.3 } } };
    t.like(benchRow({ stack: "back", failover: back }), { failbackSubflow: "0.03", failbackToBaseline: "0.30" });
});

test("an output recorded before the rolling-window figures is summarised again from its intervals", (t) => {
    const failover = recordedFailover();
    const old = failover.mptcp.summary as unknown as Record<string, unknown>;
    for (const key of ["windowSeconds", "stallAt", "meanRateWhileDownBitsPerSecond", "recoveryToBaselineSeconds"]) delete old[key];
    Object.assign(old, { survivingRateBitsPerSecond: 146775682, stallSeconds: 0.5, recoverySeconds: null });
    t.like(benchRow({ stack: "old", failover }), { surviving: "187.3", stall: "0.40", recoveryToBaseline: "never" });
});

test("the HTML report has one table row per bench and one chart per bench with a result", async (t) => {
    const html = await reportHtml(classroomResults(), new Date("2026-01-02T03:04:05Z"));
    t.is((html.match(/<tr data-stack=/g) ?? []).length, 3);
    t.is((html.match(/<figure class="chart"/g) ?? []).length, 2);
    t.is((html.match(/<svg /g) ?? []).length, 2);
    t.regex(html, /<p class="missing">no failover result yet/);
    t.notRegex(html, /<script/);
});

test("text in the HTML report is escaped", (t) => {
    t.is(escapeHtml(`<b a="1">'&'</b>`), "&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;");
});

test("a sparkline drops to the lowest block while the plain-TCP control is stalled", (t) => {
    const failover = recordedFailover();
    const control = failover.control;
    if (!control) return t.fail("the fixture has a control run");
    const line = sparkline(control, 20, 300e6);
    t.is([...line].length, 20);
    // 20 buckets over 10 s: buckets 8 to 12 (4 s to 6.5 s) lie wholly inside the outage.
    t.deepEqual([...line].slice(8, 13), ["▁", "▁", "▁", "▁", "▁"]);
    t.not([...line][0], "▁");
});

test("the terminal summary has the table and a sparkline per run of every stack with a result", (t) => {
    const lines = terminalSummary(classroomResults(), 30).split("\n");
    t.regex(lines[0], /^bench +runs +baseline \(Mbit\/s\) +surviving rate \(Mbit\/s\) +mean while down \(Mbit\/s\) +stall \(s\) +recovery to surviving rate \(s\) +recovery to baseline \(s\) +link up to new subflow \(s\) +link up to baseline \(s\) +survived +subflows joined +TCP control stall \(s\) +TCP control mean while down \(Mbit\/s\)$/);
    t.is(lines.filter((line) => line.startsWith("t-class-")).length, 3 + 1 + 2);
    t.true(lines.includes("t-class-3: no failover result yet (run `mptcp-lab up`)"));
    t.is(lines.filter((line) => /^ {2}(mptcp|tcp) +[▁▂▃▄▅▆▇█ ]{30}$/.test(line)).length, 4);
    t.true(lines.includes("t-class-1  (wlan0 down 3.0 s, up 7.0 s)"));
});

test("a bench tested several times shows the median and range of each figure, in the table and the HTML", async (t) => {
    const failover = recordedFailover();
    const slower = { ...failover.mptcp, summary: { ...failover.mptcp.summary, survivingRateBitsPerSecond: 150e6, stallSeconds: 1.2, survived: false } };
    const faster = { ...failover.mptcp, summary: { ...failover.mptcp.summary, survivingRateBitsPerSecond: 190e6, stallSeconds: 0.3 } };
    const repeated = { ...failover, spread: { mptcp: spreadOf([slower, failover.mptcp, faster]) } };
    t.like(benchRow({ stack: "r", failover: repeated }), {
        runs: "3",
        surviving: "187.3 [150.0 - 190.0]",
        stall: "0.40 [0.30 - 1.20]",
        recoveryToBaseline: "never [never - never]",
        survived: "2 of 3",
    });
    const html = await reportHtml([{ stack: "r", failover: repeated }], new Date("2026-01-02T03:04:05Z"));
    t.regex(html, /<pre class="spread">MPTCP over 3 runs \(2 survived\) +median +p95 +min +max\nBaseline/);
    t.regex(html, /Stall +0\.40 s +1\.20 s +0\.30 s +1\.20 s/);
});
