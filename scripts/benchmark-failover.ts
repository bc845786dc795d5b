// The failover figures over repeated runs on the runner's namespace bench
// (test/failover/netns-bench.ts: eth0 shaped to 200 Mbit/s, wlan0 to 100, each on its own), without
// Pulumi: per setting N runs of run-failover.sh, then each figure's median, p95, min and max, and
// how far the surviving rate lies from the mean delivered while the link was down. As root, under
// the machine's integration lock:
//   flock /run/mptcp-lab-dev-integration.lock node -r ts-node/register/transpile-only scripts/benchmark-failover.ts [--runs N]
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { analyseRun, clientArguments, formatSpreadTable, resultFileNames, runnerScriptPath, serveArguments, serveStopArguments, spreadOf } from "../failover";
import type { FailoverRun } from "../failover";
import { meanRate } from "../failover/series";
import { ADDRESSES, applyPolicyRoutes, CLIENT, createBench, destroyBench, runRunner, SERVER } from "../test/failover/netns-bench";

const DURATION = 10;
const DOWN_AT = 3;
const UP_AT = 7;
const SETTINGS = [
    { name: "client wlan0 fails, mptcpize", interface: "wlan0" },
    { name: "client eth0 (primary) fails, mptcpize", interface: "eth0" },
] as const;

const read = (dir: string, file: string): string | undefined => {
    const full = path.join(dir, file);
    return fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
};

/**
 * eth0's prefix route first again in the main table, as before any failure: a link that comes
 * back gets its route appended, and the first route picks the source of the next connection,
 * which would then start on wlan0 alone (the emulated bench orders them by metric instead).
 */
function primaryRouteFirst(): void {
    for (const [namespace, host] of [[CLIENT, ADDRESSES.client], [SERVER, ADDRESSES.server]] as const) {
        execFileSync("ip", ["-n", namespace, "route", "del", "198.18.200.0/24", "dev", "wlan0"]);
        execFileSync("ip", ["-n", namespace, "route", "append", "198.18.200.0/24", "dev", "wlan0", "proto", "kernel", "scope", "link", "src", host.wlan0]);
    }
}

async function runOnce(scratch: string, name: string, port: number, failing: string): Promise<FailoverRun> {
    applyPolicyRoutes();
    primaryRouteFirst();
    const serverDir = path.join(scratch, name, "server");
    const clientDir = path.join(scratch, name, "client");
    const served = await runRunner(SERVER, runnerScriptPath, serveArguments({ port, timeoutSeconds: 60, resultsDir: serverDir, intervalSeconds: 0.1, mptcpize: true }));
    if (served !== 0) throw new Error(`serve exited with ${served}`);
    await runRunner(CLIENT, runnerScriptPath, clientArguments({
        server: ADDRESSES.server.eth0, port, durationSeconds: DURATION, intervalSeconds: 0.1, mode: "mptcpize", reverse: false, resultsDir: clientDir,
        failure: { interface: failing, downAtSeconds: DOWN_AT, upAtSeconds: UP_AT },
    }));
    await runRunner(SERVER, runnerScriptPath, serveStopArguments({ port }));
    return analyseRun(
        { clientJson: read(clientDir, resultFileNames.clientJson) ?? "", serverJson: read(serverDir, resultFileNames.serverJson), monitorLog: read(clientDir, resultFileNames.monitorLog), linkEvents: read(clientDir, resultFileNames.linkEvents), meta: read(clientDir, resultFileNames.meta) },
        { downAtSeconds: DOWN_AT, upAtSeconds: UP_AT },
    );
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
    const runs = Number(values.runs);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "fo-benchmark-"));
    createBench();
    let port = 5801;
    try {
        for (const setting of SETTINGS) {
            const results: FailoverRun[] = [];
            for (let i = 1; i <= runs; i++) results.push(await runOnce(scratch, `${setting.interface}-${i}`, port++, setting.interface));
            console.log(`\n== ${setting.name}: ${runs} runs of ${DURATION} s, down at ${DOWN_AT} s, up at ${UP_AT} s ==`);
            console.log(formatSpreadTable(spreadOf(results)));
            for (const [i, run] of results.entries()) {
                const { survivingRateBitsPerSecond: surviving, linkDownAt, linkUpAt } = run.summary;
                const whileDown = meanRate(run.intervals, linkDownAt ?? DOWN_AT, linkUpAt ?? UP_AT) ?? 0;
                console.log(`run ${i + 1}: surviving ${(surviving / 1e6).toFixed(1)} Mbit/s, mean while down ${(whileDown / 1e6).toFixed(1)} Mbit/s, ` +
                    `off by ${((100 * (surviving - whileDown)) / whileDown).toFixed(1)}%; survived ${run.summary.survived ? "yes" : "no"}`);
            }
        }
    } finally {
        destroyBench();
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

void main();
