// The HTML report in a real browser: Debian's chromium, headless, opens the report of a recorded
// classroom and the test reads back the DOM it built, then keeps a screenshot in test-artifacts/.
// Outside CI a machine without chromium skips these tests visibly; under CI they fail.
import test from "ava";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { whenAvailable } from "../helpers/prerequisites";
import { reportHtml } from "../../report";
import { classroomResults } from "./fixture";

const ARTIFACTS = path.join(__dirname, "..", "..", "test-artifacts", "report-browser");
const run = promisify(execFile);

function findChromium(): string | undefined {
    for (const name of ["chromium", "chromium-browser"]) {
        try {
            return execFileSync("sh", ["-c", 'command -v "$1"', "sh", name], { encoding: "utf8" }).trim() || undefined;
        } catch {
            // not this name
        }
    }
    return undefined;
}

const chromium = findChromium();
const browserTest = whenAvailable(test.serial, chromium === undefined ? ["chromium (apt-get install -y chromium)"] : [], "the report in a browser");

let reportUrl = "";

test.before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, "index.html");
    fs.writeFileSync(file, await reportHtml(classroomResults(), new Date("2026-01-02T03:04:05Z")));
    reportUrl = `file://${file}`;
});

/** Runs headless chromium with a throw-away profile; resolves to its stdout. */
async function headless(t: { teardown(fn: () => void): void }, ...args: string[]): Promise<string> {
    if (!chromium) throw new Error("chromium is not installed (apt-get install -y chromium); under CI=true this test fails instead of skipping");
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-chromium-"));
    t.teardown(() => fs.rmSync(profile, { recursive: true, force: true }));
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--user-data-dir=${profile}`];
    const { stdout } = await run(chromium, [...flags, ...args, reportUrl], { timeout: 90_000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
    return stdout;
}

/** The DOM of each chart's figure, by stack. */
function chartsIn(dom: string): Map<string, string> {
    const charts = new Map<string, string>();
    for (const match of dom.matchAll(/<figure class="chart" data-stack="([^"]+)">([\s\S]*?)<\/figure>/g)) charts.set(match[1], match[2]);
    return charts;
}

browserTest("chromium builds every chart of the report with its axes, lines and marks", async (t) => {
    const dom = await headless(t, "--dump-dom");
    fs.writeFileSync(path.join(ARTIFACTS, "dom.html"), dom);
    t.is((dom.match(/<tr data-stack=/g) ?? []).length, 3);
    const charts = chartsIn(dom);
    t.deepEqual([...charts.keys()], ["t-class-1", "t-class-2"]);
    for (const [stack, chart] of charts) {
        t.regex(chart, /^<svg [^>]*class="marks"[^>]*width="\d+"/, stack);
        t.is((chart.match(/class="mark-group role-axis"/g) ?? []).length, 4, `${stack}: two axes, each with its grid`);
        t.regex(chart, /class="mark-line role-mark[^"]*"[^>]*>\s*<path [^>]*d="M[\d.]+,[\d.]+L/, `${stack}: a drawn throughput line`);
        t.regex(chart, /class="mark-rule role-mark[^"]*"[^>]*>\s*<line /, `${stack}: the link's moments`);
        t.regex(chart, /class="mark-symbol role-mark[^"]*"[^>]*>\s*<path /, `${stack}: subflow events`);
        t.regex(chart, /role-legend/, `${stack}: a legend`);
    }
});

browserTest("chromium's screenshot of the report is kept as a test artifact", async (t) => {
    const screenshot = path.join(ARTIFACTS, "report.png");
    fs.rmSync(screenshot, { force: true });
    await headless(t, `--screenshot=${screenshot}`, "--window-size=1200,1600", "--hide-scrollbars");
    const png = fs.readFileSync(screenshot);
    t.deepEqual([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join(""), "PNG");
    t.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1200, 1600]);
    // A blank page compresses to a few kilobytes; two charts and a table take far more.
    t.true(png.length > 50_000, `${png.length} bytes`);
    t.log(`screenshot: ${path.relative(process.cwd(), screenshot)}`);
});
