// Shared pieces of the bench integration tests: how they are registered (skipped, visibly, only
// outside CI when the machine lacks a prerequisite), and an independent look for leftovers.

import test, { type ExecutionContext } from "ava";
import * as fs from "node:fs";
import { isCi } from "../../../cli/ci";
import { benchDown } from "../../../bench/down";
import { checkBenchPrerequisites, findPrerequisiteProblems, gatherPrerequisiteFacts } from "../../../bench/prerequisites";
import { benchPaths, managementBridge } from "../../../bench/naming";
import type { ProcessRecord } from "../../../bench/processes";
import { run } from "../../../bench/exec";

const inCi = isCi();
const missing = findPrerequisiteProblems(gatherPrerequisiteFacts());

/**
 * Serial tests that need a bench. Under CI they always run, so that a missing prerequisite fails
 * them (in the `before` hook) instead of skipping them unnoticed.
 */
export const benchTestsRun = missing.length === 0 || inCi;

export function benchTest(title: string, implementation: (t: ExecutionContext) => Promise<void>): void {
    if (benchTestsRun) test.serial(title, implementation);
    else test.serial.skip(title, implementation);
}

/** Hooks of bench tests: they do nothing when the tests are skipped. */
export function benchHook(action: () => Promise<void>): () => Promise<void> {
    return async () => {
        if (benchTestsRun) await action();
    };
}

export function describeMissingPrerequisites(): string {
    return missing.map((problem) => problem.path).join(", ");
}

/**
 * The `before` of a bench test file: says why its tests are skipped, or checks the prerequisites
 * (under CI a missing one fails every test of the file) and removes whatever an interrupted
 * earlier run left of the file's bench. True when the tests run.
 */
export async function prepareBench(t: ExecutionContext, benchName: string): Promise<boolean> {
    if (!benchTestsRun) {
        t.log(`bench tests skipped outside CI; missing: ${describeMissingPrerequisites()}`);
        return false;
    }
    await checkBenchPrerequisites();
    await benchDown(benchName, { purge: true });
    return true;
}

/** Whether a recorded process still runs (a zombie or a reused PID does not count). */
function stillRuns(record: ProcessRecord): boolean {
    try {
        const text = fs.readFileSync(`/proc/${record.pid}/stat`, "utf8");
        const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
        return fields[0] !== "Z" && fields[19] === record.startTime;
    } catch {
        return false;
    }
}

/** Everything of the bench still on the machine, found without the bench module's own checks. */
export async function findLeftovers(benchName: string, recorded: readonly ProcessRecord[]): Promise<string[]> {
    const found: string[] = [];
    const namespaces = (await run("ip", ["netns", "list"])).stdout.split("\n").map((line) => line.split(" ")[0]);
    found.push(...namespaces.filter((name) => name.startsWith(`mlab-${benchName}-`)).map((name) => `namespace ${name}`));
    const links = (await run("ip", ["-o", "link", "show"])).stdout;
    if (links.includes(managementBridge(benchName))) found.push(`link ${managementBridge(benchName)}`);
    const stateDir = benchPaths(benchName).stateDir;
    // Overlays are mounted only in the hosts' mount namespaces: look at every process's mount table.
    for (const entry of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        let mounts = "";
        try {
            mounts = fs.readFileSync(`/proc/${entry}/mountinfo`, "utf8");
        } catch {
            continue;
        }
        if (mounts.includes(`${stateDir}/`)) found.push(`mount of ${stateDir} seen by process ${entry}`);
    }
    found.push(...recorded.filter(stillRuns).map((record) => `process ${record.pid}`));
    // The hosts' machines: systemd-nspawn and its container processes, their cgroups, nspawn's own directories.
    for (const entry of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        let argv: string[] = [];
        try {
            argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
        } catch {
            continue;
        }
        if (argv.some((word) => word.startsWith(`--network-namespace-path=/run/netns/mlab-${benchName}-`))) found.push(`systemd-nspawn process ${entry}`);
    }
    for (const hierarchy of ["/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"]) {
        const parent = `${hierarchy}/mptcp-lab`;
        if (!fs.existsSync(parent)) continue;
        found.push(...fs.readdirSync(parent).filter((name) => name.startsWith(`mlab-${benchName}-`)).map((name) => `cgroup ${parent}/${name}`));
    }
    for (const directory of ["/run/systemd/nspawn/propagate", "/run/systemd/nspawn/unix-export"]) {
        if (!fs.existsSync(directory)) continue;
        found.push(...fs.readdirSync(directory).filter((name) => name.startsWith(`mlab-${benchName}-`)).map((name) => `${directory}/${name}`));
    }
    const hostsDir = `${stateDir}/hosts`;
    if (fs.existsSync(hostsDir)) {
        for (const host of fs.readdirSync(hostsDir)) {
            if (fs.existsSync(`${hostsDir}/${host}/upper`)) found.push(`upper dir of ${host}`);
        }
    }
    return found;
}
