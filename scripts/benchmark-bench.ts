// Benchmark of the emulated bench's lifecycle on this machine:
//   node -r ts-node/register/transpile-only scripts/benchmark-bench.ts [--cold-base] [--rounds N] [--json]
// Reports: cold up (base cached, everything else fresh), warm up (a running bench: no-op), up from
// down (base and keys kept), down, what each host costs in memory and disk, how long its systemd
// takes to boot (systemd-analyze) and how long a reboot takes until SSH answers again. With --cold-base
// it also times a base image build from scratch (in a temporary cache, removed afterwards).

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { benchDown, benchReboot, benchUp, checkBenchPrerequisites, defaultBenchPlan } from "../bench";
import { ensureBaseImage } from "../bench/base-image";
import { hostPaths } from "../bench/naming";
import { hostProcesses, machineInit, runInMachine } from "../bench/host";
import { memoryOf } from "../bench/processes";
import { readRuntimeState } from "../bench/state";

const BENCH = "t-benchmark";
const INDEX = 6;
const TARGETS = { warmUpMs: 5_000, downMs: 2_000 };

async function timed(action: () => Promise<unknown>): Promise<number> {
    const started = process.hrtime.bigint();
    await action();
    return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: readonly number[]): number {
    const sorted = [...values].sort((first, second) => first - second);
    return sorted[Math.floor(sorted.length / 2)];
}

function directoryKiB(directory: string): number {
    let bytes = 0;
    const visit = (location: string) => {
        const stat = fs.lstatSync(location);
        bytes += stat.blocks * 512;
        if (stat.isDirectory()) for (const entry of fs.readdirSync(location)) visit(path.join(location, entry));
    };
    if (fs.existsSync(directory)) visit(directory);
    return Math.round(bytes / 1024);
}

async function coldBaseBuildMs(suite: string): Promise<number> {
    const previous = process.env.XDG_CACHE_HOME;
    const temporary = fs.mkdtempSync(path.join(os.homedir(), ".cache", "mptcp-lab-benchmark-"));
    process.env.XDG_CACHE_HOME = temporary;
    try {
        return await timed(() => ensureBaseImage(suite));
    } finally {
        if (previous === undefined) delete process.env.XDG_CACHE_HOME;
        else process.env.XDG_CACHE_HOME = previous;
        fs.rmSync(temporary, { recursive: true, force: true });
    }
}

interface HostCost {
    readonly host: string;
    readonly processes: number;
    readonly rssKiB: number;
    readonly pssKiB: number;
    readonly upperKiB: number;
}

function hostCosts(): HostCost[] {
    const state = readRuntimeState(BENCH);
    if (!state) throw new Error(`bench ${BENCH} is not up`);
    return state.plan.hosts.map((host) => {
        // The supervisor, systemd-nspawn and every process of the booted machine.
        const pids = hostProcesses(state.names.hostNamespaces[host.name]);
        return { host: host.name, processes: pids.length, ...memoryOf(pids), upperKiB: directoryKiB(hostPaths(BENCH, host.name).upper) };
    });
}

/** Each host's boot as its systemd measured it, and a reboot until SSH answers again. */
async function bootTimes(): Promise<{ host: string; systemdBoot: string; rebootToSshMs: number }[]> {
    const state = readRuntimeState(BENCH);
    if (!state) throw new Error(`bench ${BENCH} is not up`);
    const times = [];
    for (const host of state.plan.hosts) {
        const init = machineInit(state.names.hostNamespaces[host.name]);
        const analysis = init ? (await runInMachine(init, ["systemd-analyze", "time"])).stdout : "";
        const systemdBoot = /Startup finished in (.*)$/m.exec(analysis)?.[1]?.trim() ?? "(not finished)";
        times.push({ host: host.name, systemdBoot, rebootToSshMs: Math.round((await benchReboot(BENCH, host.name)).seconds * 1000) });
    }
    return times;
}

function serviceCosts(): { service: string; rssKiB: number; pssKiB: number }[] {
    const state = readRuntimeState(BENCH);
    return [
        { service: "apt-cacher-ng", ...memoryOf(state?.aptProxy ? [state.aptProxy.pid] : []) },
        { service: "git daemon", ...memoryOf(state?.gitDaemon ? [state.gitDaemon.pid] : []) },
    ];
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { "cold-base": { type: "boolean", default: false }, rounds: { type: "string", default: "3" }, json: { type: "boolean", default: false } } });
    const rounds = Math.max(1, Number(values.rounds));
    await checkBenchPrerequisites();
    const plan = defaultBenchPlan(BENCH, INDEX);
    const result: Record<string, unknown> = { machine: { cores: os.cpus().length, kernel: os.release() }, suite: plan.suite, rounds };
    if (values["cold-base"]) result.coldBaseBuildMs = await coldBaseBuildMs(plan.suite);
    await ensureBaseImage(plan.suite);
    await benchDown(BENCH, { purge: true });
    try {
        const cold: number[] = [];
        const warm: number[] = [];
        const fromDown: number[] = [];
        const down: number[] = [];
        for (let round = 0; round < rounds; round += 1) {
            cold.push(await timed(() => benchUp(plan)));
            for (let repeat = 0; repeat < 3; repeat += 1) warm.push(await timed(() => benchUp(plan)));
            down.push(await timed(() => benchDown(BENCH)));
            fromDown.push(await timed(() => benchUp(plan)));
            if (round === rounds - 1) {
                result.hosts = hostCosts();
                result.services = serviceCosts();
                result.boots = await bootTimes();
            }
            down.push(await timed(() => benchDown(BENCH, { purge: true })));
        }
        const summary = (values: number[]) => ({ medianMs: Math.round(median(values)), maxMs: Math.round(Math.max(...values)), runs: values.length });
        Object.assign(result, { coldUp: summary(cold), warmUp: summary(warm), upFromDown: summary(fromDown), down: summary(down) });
        result.targets = {
            warmUpUnder5s: Math.max(...warm) < TARGETS.warmUpMs,
            downUnder2s: Math.max(...down) < TARGETS.downMs,
        };
    } finally {
        await benchDown(BENCH, { purge: true });
    }
    if (values.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
    }
    const line = (label: string, value: unknown) => process.stdout.write(`${label.padEnd(34)} ${typeof value === "object" ? JSON.stringify(value) : String(value)}\n`);
    for (const [key, value] of Object.entries(result)) {
        if (Array.isArray(value)) value.forEach((item) => line(key, item));
        else line(key, value);
    }
}

main().catch((error: unknown) => {
    const details = error as { code?: string; hint?: string; message?: string };
    process.stderr.write(`benchmark failed: ${details.code ?? ""} ${details.message ?? String(error)}\n${details.hint ?? ""}\n`);
    process.exitCode = 1;
});
