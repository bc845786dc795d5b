// `benchDown`: remove every namespace, link, route, mount and process of a bench, then check that
// nothing is left. Works on a half-gone bench, and without its runtime state (by derived names).

import * as fs from "node:fs";
import * as path from "node:path";
import { mountPointsUnder } from "./base-image";
import { BenchError } from "./errors";
import { CGROUP_HIERARCHIES, CGROUP_PARENT, NSPAWN_PROPAGATE_DIR, stopHost } from "./host";
import { tryRun } from "./exec";
import { listLinks, listNamespaces } from "./network";
import { benchPaths, isNamespaceOfBench, managementBridge } from "./naming";
import { BENCH_NAME_PATTERN } from "./plan";
import { isRunning, processesInNetworkNamespace, processesWithArguments, type ProcessRecord, recordOf, stopProcess } from "./processes";
import { readRuntimeState, withBenchLock } from "./state";

export interface BenchDownOptions {
    /** Also remove keys, the package cache and offered repositories (the base image stays cached). */
    readonly purge?: boolean;
}

/** Services started for this bench, found by the state paths in their arguments (for a lost state file). */
function serviceProcesses(benchName: string): number[] {
    const paths = benchPaths(benchName);
    const configDir = path.join(paths.aptProxyDir, "conf");
    return processesWithArguments(
        (argv) =>
            (path.basename(argv[0]) === "apt-cacher-ng" && argv.includes(configDir)) ||
            (path.basename(argv[0]) === "git-daemon" && argv.includes(`--base-path=${paths.gitDir}`)),
    );
}

function benchNamespaces(benchName: string, recorded: readonly string[]): string[] {
    return [...new Set([...recorded, ...listNamespaces().filter((namespace) => isNamespaceOfBench(benchName, namespace))])];
}

async function stopAll(records: readonly (ProcessRecord | undefined)[], immediate: boolean): Promise<void> {
    await Promise.all(records.map((record) => stopProcess(record, { graceMs: 1_000, immediate })));
}

/** How long a host may take to power off before it is ended. */
const POWER_OFF_GRACE_MS = 3_000;

/** Namespaces whose host cgroups exist: a host whose namespace is already gone may still run. */
function namespacesWithCgroups(benchName: string): string[] {
    return CGROUP_HIERARCHIES.flatMap((hierarchy) => {
        const parent = path.join(hierarchy, CGROUP_PARENT);
        return fs.existsSync(parent) ? fs.readdirSync(parent).filter((entry) => isNamespaceOfBench(benchName, entry)) : [];
    });
}

/** systemd-nspawn processes of this bench's hosts, found by their arguments (for a lost state file). */
function machineProcesses(benchName: string): number[] {
    return processesWithArguments(
        (argv) =>
            path.basename(argv[0]) === "systemd-nspawn" &&
            argv.some((word) => word.startsWith("--network-namespace-path=/run/netns/") && isNamespaceOfBench(benchName, word.slice(word.lastIndexOf("/") + 1))),
    );
}

async function removeEverything(benchName: string): Promise<void> {
    const state = readRuntimeState(benchName);
    const paths = benchPaths(benchName);
    const hostNamespaces = state ? Object.entries(state.names.hostNamespaces) : [];
    // Ending a host's cgroups ends its supervisor, systemd-nspawn and everything the machine runs.
    await Promise.all(hostNamespaces.map(([host, namespace]) => stopHost(namespace, state?.hosts[host]?.supervisor, POWER_OFF_GRACE_MS)));
    await Promise.all([...new Set(namespacesWithCgroups(benchName))].map((namespace) => stopHost(namespace, undefined)));
    await stopAll(machineProcesses(benchName).map(recordOf), true);
    const namespaces = benchNamespaces(benchName, state ? [state.names.switchNamespace, ...Object.values(state.names.hostNamespaces)] : []);
    // Anything still running inside the bench's namespaces was started by the bench (its runtime state may be lost).
    const stragglers = namespaces.flatMap(processesInNetworkNamespace).map(recordOf);
    await stopAll(stragglers, true);
    await stopAll([state?.aptProxy, state?.gitDaemon, ...serviceProcesses(benchName).map(recordOf)], false);

    for (const namespace of namespaces) await tryRun("ip", ["netns", "del", namespace]);
    const bridge = state?.names.managementBridge ?? managementBridge(benchName);
    const rootLinks = await listLinks();
    for (const link of rootLinks.keys()) {
        if (link === bridge || link.startsWith(`${bridge}-`)) await tryRun("ip", ["link", "del", link]);
    }
    if (state) await tryRun("ip", ["route", "del", "unreachable", state.plan.subnet]);

    const hostsDir = path.join(paths.stateDir, "hosts");
    if (fs.existsSync(hostsDir) && mountPointsUnder(paths.stateDir).length === 0) {
        for (const host of fs.readdirSync(hostsDir)) {
            for (const layer of ["upper", "work", "root"]) fs.rmSync(path.join(hostsDir, host, layer), { recursive: true, force: true });
        }
    }
    fs.rmSync(paths.runtimeDir, { recursive: true, force: true });
}

/** What is still there of the bench; empty when it is gone. */
async function leftovers(benchName: string, recorded: readonly (ProcessRecord | undefined)[]): Promise<string[]> {
    const found: string[] = [];
    const namespaces = listNamespaces().filter((namespace) => isNamespaceOfBench(benchName, namespace));
    found.push(...namespaces.map((namespace) => `namespace ${namespace}`));
    const bridge = managementBridge(benchName);
    for (const link of (await listLinks()).keys()) if (link === bridge || link.startsWith(`${bridge}-`)) found.push(`link ${link}`);
    found.push(...recorded.filter(isRunning).map((record) => `process ${record?.pid}`));
    found.push(...serviceProcesses(benchName).map((pid) => `process ${pid}`));
    found.push(...mountPointsUnder(benchPaths(benchName).stateDir).map((mountPoint) => `mount ${mountPoint}`));
    found.push(...machineProcesses(benchName).map((pid) => `machine process ${pid}`));
    found.push(...namespacesWithCgroups(benchName).map((namespace) => `cgroup ${CGROUP_PARENT}/${namespace}`));
    const machines = fs.existsSync(NSPAWN_PROPAGATE_DIR) ? fs.readdirSync(NSPAWN_PROPAGATE_DIR) : [];
    found.push(...machines.filter((machine) => isNamespaceOfBench(benchName, machine)).map((machine) => `machine directory ${path.join(NSPAWN_PROPAGATE_DIR, machine)}`));
    return found;
}

export async function benchDown(benchName: string, options: BenchDownOptions = {}): Promise<void> {
    if (!BENCH_NAME_PATTERN.test(benchName)) throw new BenchError("BENCH_NAME_INVALID", `invalid bench name ${JSON.stringify(benchName)}`);
    await withBenchLock(benchName, async () => {
        const state = readRuntimeState(benchName);
        const hosts = Object.values(state?.hosts ?? {});
        const recorded = [...hosts.map((host) => host.supervisor), state?.aptProxy, state?.gitDaemon];
        await removeEverything(benchName);
        const remaining = await leftovers(benchName, recorded);
        if (remaining.length > 0) {
            throw new BenchError("BENCH_DOWN_INCOMPLETE", `bench ${benchName} is not completely down: ${remaining.join(", ")}`);
        }
        if (options.purge) fs.rmSync(benchPaths(benchName).stateDir, { recursive: true, force: true });
    });
}
