import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { analyseRun, formatRunTable } from "../../failover";
import { formatBitrate, formatBytes } from "../../failover/table";
import type { FailoverRun } from "../../failover";

const FIXTURES = path.join(__dirname, "..", "fixtures", "failover");

function load(name: string): FailoverRun {
    const read = (file: string): string | undefined => {
        const full = path.join(FIXTURES, name, file);
        return fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
    };
    return analyseRun(
        { clientJson: read("client.json") ?? "", monitorLog: read("monitor.log"), linkEvents: read("link-events"), meta: read("meta.json") },
        { downAtSeconds: 2 },
    );
}

const row = (table: string, interval: string): string =>
    table.split("\n").find((line) => line.includes(` ${interval} `)) ?? "";

test("the table marks the interval in which the link went down and the recovery", (t) => {
    const table = formatRunTable(load("mptcpize-forward"));
    t.regex(row(table, "2.00-2.25"), /<-- wlan0 down$/);
    t.regex(row(table, "3.00-3.25"), /<-- back to the surviving rate$/);
    t.notRegex(row(table, "1.75-2.00"), /<--/);
    t.regex(table, /^Survived {10}yes$/m);
    t.regex(table, /^MPTCP {13}verified by the kernel: 2 subflow\(s\) joined$/m);
});

test("the table marks a link coming back and a recovery after it", (t) => {
    const table = formatRunTable(load("tcp-control-up"));
    t.regex(row(table, "4.00-4.25"), /<-- wlan0 up$/);
    t.regex(row(table, "5.25-5.50"), /<-- back to the baseline$/);
    t.regex(table, /^MPTCP {13}not used \(plain TCP\)$/m);
});

test("given a control run the table says what MPTCP saved", (t) => {
    const table = formatRunTable(load("mptcpize-forward"), load("tcp-control"));
    t.regex(table, /^Control {11}tcp: survived yes, stall 4\.00 s, mean while down 0 bits\/sec$/m);
    t.regex(table, /^MPTCP saved {7}3\.25 s of stall; after the failure it moved 68\.7 MBytes against 0 Bytes$/m);
});

test("a failed run says why it did not survive", (t) => {
    const table = formatRunTable(load("killed"));
    t.regex(table, /^Survived {10}no \(iperf3 wrote no output/m);
});

test("a run without a failure cannot be compared with its control", (t) => {
    const run = load("mptcpize-forward");
    const unfailed: FailoverRun = { ...run, summary: { ...run.summary, linkDownAt: null } };
    t.regex(formatRunTable(unfailed, load("tcp-control")), /cannot tell: a link failure is missing/);
});

test("rates and sizes read like iperf3's", (t) => {
    t.is(formatBitrate(0), "0 bits/sec");
    t.is(formatBitrate(291_991_275), "292 Mbits/sec");
    t.is(formatBitrate(42_000_000), "42.0 Mbits/sec");
    t.is(formatBitrate(1_500_000_000), "1.5 Gbits/sec");
    t.is(formatBytes(1536), "1.5 KBytes");
    t.is(formatBytes(142_803_280), "136 MBytes");
});

test("a control that moved nothing while its link was down says so", (t) => {
    t.regex(formatRunTable(load("tcp-control")), /^Surviving rate {4}0 bits\/sec \(mean while down, from 1\.00 s after the failure\): nothing got through while the link was down$/m);
});

test("the summary names its window and one reference per recovery line", (t) => {
    const table = formatRunTable(load("mptcpize-forward"));
    t.regex(table, /^Figures {11}bytes over time; rolling window 0\.5 s/m);
    t.regex(table, /^Recovery \(paths\) {2}1\.00 s to within 10% of the surviving rate, 189 Mbits\/sec$/m);
    t.regex(table, /^Recovery \(base\) {3}never to within 10% of the pre-failure baseline, 279 Mbits\/sec$/m);
    t.regex(table, /^Stall {13}0\.75 s with \(nearly\) nothing delivered, from 2\.00 s$/m);
});
