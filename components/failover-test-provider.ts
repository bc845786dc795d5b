// Dynamic provider that runs the failover test: iperf3 between the lab's hosts with MPTCP while
// one interface goes down and comes back, then the same with plain TCP as a control. The sequence
// itself runs on the hosts (failover/run-failover.sh), so a lost SSH path cannot leave a link
// down; on any error the controller restores the link as well. Results are outputs, and the raw
// files are kept on this machine under a folder per stack and run.
import { CodedError } from "../errors/coded-error";
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { codedOperations } from "./provider-shim";
import { analyseRun, clientArguments, describeFailure, spreadOf, FAILOVER_LOCK_PATH, judgeRestore, flipArguments, lockTimeoutSeconds, maxListingBytes, parseResultListing, restoreArguments, resultFileNames, runnerScriptPath, saveResultFiles, serveArguments, serveStopArguments, withMachineLock } from "../failover";
import type { FailoverMode, FailoverRun, FailoverSpread } from "../failover";
import { linkTimingProblems } from "../lab/rules";
import { RANGE_RULES, withinRange } from "../lab/value-rules";
import { scriptWithArguments } from "../remote/shell";
import { HostConnection, runRemote } from "../remote/ssh";

const remoteRunner = "/usr/local/lib/mptcp-lab/run-failover.sh";
const remoteResultsRoot = "/var/lib/mptcp-lab/failover";

export interface FailoverHost {
    name: string;
    connection: HostConnection;
}

export interface FailoverTestInputs {
    client: FailoverHost;
    server: FailoverHost;
    /** The address the client connects to (the server's first interface). */
    serverAddress: string;
    failingHost: "client" | "server";
    failingInterface: string;
    /** The failing host's address on that interface: where the plain-TCP control is bound. */
    failingAddress: string;
    durationSeconds: number;
    intervalSeconds: number;
    downAtSeconds: number;
    upAtSeconds?: number;
    /** `reannounce`: re-add the interface's endpoints when it returns (absent in older state: `stay`). */
    failback?: "stay" | "reannounce";
    direction: "forward" | "reverse";
    control: boolean;
    mptcp: "native" | "mptcpize";
    /** What the test depends on; any change re-runs it. */
    dependencies: Record<string, unknown>;
    runToken: string;
    /** Runs of the whole sequence per test (absent in state written before it existed: 1). */
    repeat?: number;
    /** The runner's version (RUNNER_VERSION): a new one re-runs the test; the script itself is read when the test runs. */
    runnerVersion: string;
    /** Local folder for this stack's raw results. */
    resultsRoot: string;
    providerVersion: string;
}

/** One run of the sequence: the MPTCP run and its plain-TCP control. */
export interface FailoverRepetition {
    /** Local folder of this run's raw files. */
    resultsDir: string;
    mptcp: FailoverRun;
    control?: FailoverRun;
}

export interface FailoverTestOutputs extends FailoverTestInputs {
    runId: string;
    resultsDir: string;
    /** The last run (the only one unless `repeat` is above 1). */
    mptcpRun: FailoverRun;
    controlRun?: FailoverRun;
    /** Restores of the failing link from this machine that failed while the host restored it itself. */
    linkRestoreWarnings?: string[];
    /** Every run, in order, when the test ran more than once. */
    runs?: FailoverRepetition[];
    /** The median, p95, min and max of each figure over the runs, when there were several. */
    spread?: { mptcp: FailoverSpread; control?: FailoverSpread };
}

type Host = FailoverHost;

async function onHost(host: Host, step: string, args: string[], timeoutSeconds: number, check = true) {
    const script = scriptWithArguments(`exec "${remoteRunner}" "$@"\n`, args);
    return runRemote(host.connection, { host: host.name, step, script, timeoutSeconds, check });
}

async function upload(host: Host, runner: string) {
    const script = scriptWithArguments('mkdir -p "$(dirname "$2")"\nprintf "%s" "$1" | base64 -d > "$2.new"\nchmod 0755 "$2.new"\nmv "$2.new" "$2"\n', [
        Buffer.from(runner).toString("base64"),
        remoteRunner,
    ]);
    await runRemote(host.connection, { host: host.name, step: "upload the failover runner", script, timeoutSeconds: 60 });
}

/** The result files in `dir` on the host: only the expected names, bounded in size (a host is
 *  not trusted to name files on this machine). */
async function download(host: Host, dir: string): Promise<Record<string, string>> {
    const names = Object.values(resultFileNames);
    const script = scriptWithArguments('cd "$1" 2>/dev/null || exit 0\nfor f in "${@:2}"; do [ -f "$f" ] && printf "%s %s\\n" "$f" "$(base64 -w0 < "$f")"; done; true\n', [dir, ...names]);
    const { stdout } = await runRemote(host.connection, { host: host.name, step: "download failover results", script, timeoutSeconds: 120, maxOutputBytes: maxListingBytes(names) });
    return parseResultListing(stdout, host.name, names);
}

/** One iperf3 run: server up, the failure armed, the client run, results fetched and analysed.
 *  A failed restore of the link from here is reported: in `warnings` when the host's link events
 *  show it came back by itself, as an error otherwise. */
async function runOnce(inputs: FailoverTestInputs, mode: FailoverMode, port: number, resultsDir: string, warnings: string[]): Promise<FailoverRun> {
    const failing = inputs.failingHost === "client" ? inputs.client : inputs.server;
    // The plain-TCP control has no endpoint to re-announce: its link simply comes back.
    const failure = { interface: inputs.failingInterface, downAtSeconds: inputs.downAtSeconds, upAtSeconds: inputs.upAtSeconds, reannounce: inputs.failback === "reannounce" && mode !== "tcp" };
    const controlBinding = mode === "tcp" && inputs.failingHost === "client" ? { bindAddress: inputs.failingAddress, bindDevice: inputs.failingInterface } : {};
    // Plain TCP has one path: aim it at the address that goes down, so the control loses it too.
    const target = mode === "tcp" && inputs.failingHost === "server" ? inputs.failingAddress : inputs.serverAddress;
    const flipDir = `${resultsDir}/flip`;
    const clientArgs = clientArguments({
        server: target,
        port,
        durationSeconds: inputs.durationSeconds,
        intervalSeconds: inputs.intervalSeconds,
        mode,
        reverse: inputs.direction === "reverse",
        resultsDir,
        ...controlBinding,
        ...(inputs.failingHost === "client" ? { failure } : {}),
    });
    const eventsDir = inputs.failingHost === "server" ? flipDir : resultsDir;
    let testFailure: unknown;
    let restoreFailure: string | undefined;
    try {
        await onHost(inputs.server, `start the iperf3 server (${mode})`, serveArguments({ port, timeoutSeconds: inputs.durationSeconds + 60, resultsDir, intervalSeconds: inputs.intervalSeconds, mptcpize: mode === "mptcpize" }), 60);
        if (inputs.failingHost === "server") {
            const flip = flipArguments({ failure, watchPort: port, durationSeconds: inputs.durationSeconds, resultsDir: flipDir, detach: true });
            await onHost(inputs.server, `arm the ${inputs.failingInterface} failure`, flip, 60);
        }
        // iperf3's exit status is no verdict (FIELD-NOTES): the JSON is read instead. The
        // runner's own refusals (2 arguments, 3 prerequisites, 4 no server) are errors.
        const step = `run iperf3 (${mode}) for ${inputs.durationSeconds} s`;
        const client = await onHost(inputs.client, step, clientArgs, inputs.durationSeconds + 90, false);
        if ([2, 3, 4].includes(client.exitCode)) {
            throw new CodedError("failover-runner-refused", `${inputs.client.name}: ${step}: the runner refused with ${client.exitCode}: ${client.stderr.trim().split("\n").slice(-4).join(" / ")}`, {
                host: inputs.client.name,
                step,
                value: client.exitCode,
            });
        }
    } catch (error) {
        testFailure = error;
    } finally {
        // A server left running ends by its own timeout; a link left down is what matters.
        await onHost(inputs.server, "stop the iperf3 server", serveStopArguments({ port }), 60, false).catch(() => undefined);
        const restoreStep = `restore ${inputs.failingInterface}`;
        restoreFailure = await onHost(failing, restoreStep, restoreArguments({ interface: inputs.failingInterface, resultsDir: eventsDir }), 60, false).then(
            (result) => (result.exitCode === 0 ? undefined : `exited with ${result.exitCode}: ${describeFailure(result.stderr || result.stdout)}`),
            (error: unknown) => describeFailure(error),
        );
    }
    if (testFailure !== undefined) {
        if (restoreFailure === undefined) throw testFailure;
        const events = await download(failing, eventsDir).then((files) => files[resultFileNames.linkEvents] ?? "", () => undefined);
        const verdict = judgeRestore(failing.name, inputs.failingInterface, restoreFailure, events);
        throw new CodedError("failover-link-not-restored", `${describeFailure(testFailure)}; ${verdict.level === "ok" ? "" : verdict.message}`, { host: failing.name, step: `restore ${inputs.failingInterface}`, cause: testFailure });
    }
    const clientFiles = await download(inputs.client, resultsDir);
    const serverFiles = await download(inputs.server, resultsDir);
    const flipFiles = inputs.failingHost === "server" ? await download(inputs.server, flipDir) : clientFiles;
    const linkEvents = flipFiles[resultFileNames.linkEvents] ?? "";
    const verdict = judgeRestore(failing.name, inputs.failingInterface, restoreFailure, linkEvents);
    if (verdict.level === "error") throw new CodedError("failover-link-not-restored", verdict.message, { host: failing.name, step: `restore ${inputs.failingInterface}` });
    if (verdict.level === "warning") warnings.push(verdict.message);
    const files: Record<string, string> = { ...clientFiles, [resultFileNames.serverJson]: serverFiles[resultFileNames.serverJson] ?? "", [resultFileNames.linkEvents]: linkEvents };
    saveLocally(inputs.resultsRoot, resultsDir, files);
    return analyseRun(
        {
            clientJson: files[resultFileNames.clientJson] ?? "",
            serverJson: files[resultFileNames.serverJson],
            monitorLog: files[resultFileNames.monitorLog],
            linkEvents,
            meta: files[resultFileNames.meta],
        },
        { downAtSeconds: inputs.downAtSeconds, upAtSeconds: inputs.upAtSeconds, mode },
    );
}

/** Keeps the remote layout: `<run id>/<mode>`, or `<run id>/run-<i>/<mode>` for repeated runs. */
function saveLocally(resultsRoot: string, remoteDir: string, files: Record<string, string>) {
    saveResultFiles(path.join(resultsRoot, path.relative(remoteResultsRoot, remoteDir)), files, Object.values(resultFileNames));
}

/** Failover tests share this machine's cores: one at a time across every stack and process. */
async function runTest(inputs: FailoverTestInputs): Promise<FailoverTestOutputs> {
    const purpose = `the failover test of ${inputs.client.name} and ${inputs.server.name} (${path.basename(inputs.resultsRoot)})`;
    return withMachineLock(FAILOVER_LOCK_PATH, { timeoutSeconds: lockTimeoutSeconds(process.env), purpose }, () => runTestNow(inputs));
}

async function runTestNow(inputs: FailoverTestInputs): Promise<FailoverTestOutputs> {
    const runId = new Date().toISOString().replace(/[:.]/g, "-");
    const runner = fs.readFileSync(runnerScriptPath, "utf8");
    await upload(inputs.client, runner);
    await upload(inputs.server, runner);
    const repeat = inputs.repeat ?? 1;
    const runs: FailoverRepetition[] = [];
    const warnings: string[] = [];
    for (let i = 1; i <= repeat; i++) {
        const remoteDir = repeat === 1 ? `${remoteResultsRoot}/${runId}` : `${remoteResultsRoot}/${runId}/run-${i}`;
        const mptcp = await runOnce(inputs, inputs.mptcp, 5201, `${remoteDir}/mptcp`, warnings);
        if (mptcp.intervals.length === 0) {
            const step = `run iperf3 (${inputs.mptcp}) against ${inputs.server.name} at ${inputs.serverAddress}${repeat === 1 ? "" : ` (run ${i} of ${repeat})`}`;
            throw new CodedError(
                "failover-no-data",
                `${inputs.client.name}: ${step}: no data moved (${mptcp.summary.error ?? "iperf3 reported nothing"}); the raw output is in ${path.join(inputs.resultsRoot, runId)}`,
                { host: inputs.client.name, step },
            );
        }
        const control = inputs.control ? await runOnce(inputs, "tcp", 5202, `${remoteDir}/tcp`, warnings) : undefined;
        runs.push({ resultsDir: path.join(inputs.resultsRoot, path.relative(remoteResultsRoot, remoteDir)), mptcp, ...(control ? { control } : {}) });
    }
    const last = runs[runs.length - 1];
    const outputs: FailoverTestOutputs = { ...inputs, runId, resultsDir: path.join(inputs.resultsRoot, runId), mptcpRun: last.mptcp, ...(warnings.length > 0 ? { linkRestoreWarnings: warnings } : {}) };
    if (last.control) outputs.controlRun = last.control;
    if (repeat > 1) {
        const controls = runs.flatMap((run) => (run.control ? [run.control] : []));
        outputs.runs = runs;
        outputs.spread = { mptcp: spreadOf(runs.map((run) => run.mptcp)), ...(controls.length > 0 ? { control: spreadOf(controls) } : {}) };
    }
    return outputs;
}

/**
 * The inputs whose change re-runs the test: what the experiment is, the runner's and the
 * provider's versions, and the run token. Connections only decide how to reach the hosts, the
 * results folder only where the files go, and the number of runs alone does not either, so that
 * `up` after `test --repeat N` keeps N runs' results.
 */
function testKey(inputs: FailoverTestInputs): string {
    const key: Omit<FailoverTestInputs, "client" | "server" | "repeat" | "resultsRoot"> & { client: string; server: string } = {
        client: inputs.client.name,
        server: inputs.server.name,
        serverAddress: inputs.serverAddress,
        failingHost: inputs.failingHost,
        failingInterface: inputs.failingInterface,
        failingAddress: inputs.failingAddress,
        durationSeconds: inputs.durationSeconds,
        intervalSeconds: inputs.intervalSeconds,
        downAtSeconds: inputs.downAtSeconds,
        upAtSeconds: inputs.upAtSeconds,
        failback: inputs.failback ?? "stay",
        direction: inputs.direction,
        control: inputs.control,
        mptcp: inputs.mptcp,
        dependencies: inputs.dependencies,
        runToken: inputs.runToken,
        runnerVersion: inputs.runnerVersion,
        providerVersion: inputs.providerVersion,
    };
    return JSON.stringify(key);
}

// The engine loads this through a shim; its version, bumped when its behaviour changes, is in ./providers.ts.
export const operations: pulumi.dynamic.ResourceProvider = codedOperations({
    async check(_olds: FailoverTestInputs, news: FailoverTestInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const timing = linkTimingProblems(news);
        if (timing.includes("failover-down-outside-run")) failures.push({ property: "downAtSeconds", reason: `${news.downAtSeconds} must lie inside the test (0 < down < ${news.durationSeconds})` });
        if (news.repeat !== undefined && !withinRange(RANGE_RULES.repeat, news.repeat)) failures.push({ property: "repeat", reason: `${news.repeat} must be ${RANGE_RULES.repeat.description}` });
        if (timing.some((problem) => problem !== "failover-down-outside-run")) failures.push({ property: "upAtSeconds", reason: `${news.upAtSeconds} must come after the link goes down and within the test` });
        return { inputs: news, failures };
    },
    async diff(_id: string, olds: FailoverTestOutputs, news: FailoverTestInputs) {
        return { changes: testKey(olds) !== testKey(news) };
    },
    async create(inputs: FailoverTestInputs) {
        const outs = await runTest(inputs);
        return { id: `failover/${outs.runId}`, outs };
    },
    async update(_id: string, _olds: FailoverTestOutputs, news: FailoverTestInputs) {
        return { outs: await runTest(news) };
    },
    async read(id: string, props: FailoverTestOutputs) {
        // A test result is history: a refresh keeps it.
        return { id, props };
    },
    async delete() {
        // Results stay on the hosts and on this machine; nothing else remains to remove.
    },
});
