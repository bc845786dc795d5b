// `benchUp`: bring a bench to its plan. On a healthy bench with the same plan it changes nothing;
// on a half-broken one it re-creates only what is missing; a different plan for a running bench
// is refused (BENCH_PLAN_CHANGED) rather than applied, because shaping, addresses and hosts would
// have to change under running hosts.

import * as fs from "node:fs";
import { ensureBaseImage } from "./base-image";
import { gatherConflicts } from "./conflicts";
import { raiseInotifyLimits } from "./host-limits";
import { BenchError, throwIfProblems } from "./errors";
import { HOST_BOOT_TIMEOUT_MS, hostProcesses, machineIdOf, machineInit, startHost, stopHost, waitForSsh, writeHostFiles } from "./host";
import { ensureKeyPair, type KeyPair, writeKnownHosts } from "./keys";
import { ensureHostNetwork, ensureManagementBridge, ensureSwitch, HOST_SYSCTLS, listNamespaces } from "./network";
import { benchPaths, hostPaths, isNamespaceOfBench } from "./naming";
import { startNetworkManager } from "./network-manager";
import { assertValidPlan, type BenchPlan, canonicalPlan, managementAddresses, planDifferences } from "./plan";
import { checkBenchPrerequisites } from "./prerequisites";
import { isInNetworkNamespace, isRunning, logTail, namespacePids, stopProcess } from "./processes";
import { aptProxyUrl, APT_PROXY_PORT, GIT_DAEMON_PORT, serviceHealthy, startAptProxy, startGitDaemon } from "./services";
import { probeNetem } from "./shaping";
import { type BenchRuntimeState, objectNames, readRuntimeState, withBenchLock, writeRuntimeState } from "./state";
import { type BenchStatus, collectStatus, SSH_PORT } from "./status";

/** One step of `benchUp`; `unchanged` when there was nothing to do. */
export interface BenchUpTask {
    readonly title: string;
    run(): Promise<"done" | "unchanged">;
}

/** Runs the tasks in order; the CLI passes one that renders progress. */
export type BenchTaskRunner = (tasks: readonly BenchUpTask[]) => Promise<void>;

export interface BenchUpOptions {
    readonly log?: (line: string) => void;
    readonly runTasks?: BenchTaskRunner;
}

interface UpContext {
    readonly plan: BenchPlan;
    readonly log: (line: string) => void;
    state: BenchRuntimeState;
    /** Set when the bench already matched its plan and was healthy: every later task is a no-op. */
    healthyStatus?: BenchStatus;
}

/** The bench's client key pair and every host's host key pair, generated on first use. */
async function ensureKeys(plan: BenchPlan): Promise<{ bench: KeyPair; hosts: Record<string, KeyPair> }> {
    const bench = await ensureKeyPair(benchPaths(plan.name).privateKey, `mptcp-lab-${plan.name}`);
    const hosts: Record<string, KeyPair> = {};
    for (const host of plan.hosts) hosts[host.name] = await ensureKeyPair(hostPaths(plan.name, host.name).hostKey, `root@${host.name}`);
    return { bench, hosts };
}

async function netemProbe(context: UpContext): Promise<boolean> {
    if (context.state.netemAvailable === undefined) {
        context.state.netemAvailable = await probeNetem(context.state.names.switchNamespace);
        writeRuntimeState(context.state);
        if (!context.state.netemAvailable) context.log("this kernel has no netem: delay is not emulated, rate and loss are");
    }
    return context.state.netemAvailable;
}

async function checkExisting(context: UpContext): Promise<"done" | "unchanged"> {
    const { plan } = context;
    const existing = readRuntimeState(plan.name);
    if (existing && canonicalPlan(existing.plan) !== canonicalPlan(plan)) {
        const fields = planDifferences(existing.plan, plan).join(", ");
        throw new BenchError("BENCH_PLAN_CHANGED", `bench ${plan.name} runs with a different plan (${fields} differ); a running bench is not changed`);
    }
    if (existing) {
        context.state = existing;
        const status = await collectStatus(plan.name);
        if (status.state === "running") context.healthyStatus = status;
        return context.healthyStatus ? "unchanged" : "done";
    }
    const leftovers = listNamespaces().filter((namespace) => isNamespaceOfBench(plan.name, namespace));
    if (leftovers.length > 0) {
        throw new BenchError("BENCH_CONFLICT", `namespaces of bench ${plan.name} exist without its state: ${leftovers.join(", ")}`, {
            hint: `Remove them with: mptcp-lab bench down --name ${plan.name}`,
        });
    }
    throwIfProblems("BENCH_CONFLICT", `bench ${plan.name} would collide with what exists`, await gatherConflicts(plan, context.state.names));
    writeRuntimeState(context.state);
    return "done";
}

async function ensureHost(context: UpContext, hostIndex: number): Promise<"done" | "unchanged"> {
    const { plan, state } = context;
    const host = plan.hosts[hostIndex];
    const paths = hostPaths(plan.name, host.name);
    const management = managementAddresses(plan);
    await ensureHostNetwork({ plan, hostIndex, names: state.names, netemAvailable: () => netemProbe(context) });
    const runtime = (state.hosts[host.name] ??= {});
    const namespace = state.names.hostNamespaces[host.name];
    // A machine outside its namespace (deleted and re-created) is cut off: boot it anew.
    const cutOff = isRunning(runtime.supervisor) && machineInit(namespace) === undefined && hostProcesses(namespace).some((pid) => !isInNetworkNamespace(pid, namespace) && namespacePids(pid).length > 1);
    if (!isRunning(runtime.supervisor) || cutOff) {
        // Whatever is left of the old host goes first, so that its overlay is unmounted before the upper dir is written.
        if (!(await stopHost(namespace, runtime.supervisor))) throw new BenchError("BENCH_HOST_START_FAILED", `the old processes of ${host.name} do not end`);
        const keys = await ensureKeys(plan);
        writeHostFiles(state.baseImage, paths, {
            hostName: host.name,
            machineId: machineIdOf(plan.name, host.name),
            hostPrivateKey: fs.readFileSync(keys.hosts[host.name].privateKeyPath, "utf8"),
            hostPublicKey: keys.hosts[host.name].publicKey,
            authorizedKey: keys.bench.publicKey,
            aptProxyUrl: aptProxyUrl(management.bridge),
        });
        state.hosts[host.name] = { supervisor: startHost({ namespace, hostName: host.name, baseImage: state.baseImage, paths, sysctls: HOST_SYSCTLS }) };
        writeRuntimeState(state);
    }
    const supervisor = state.hosts[host.name].supervisor;
    if (!(await waitForSsh(namespace, management.hosts[hostIndex], supervisor, HOST_BOOT_TIMEOUT_MS))) {
        throw new BenchError("BENCH_HOST_START_FAILED", `${host.name} does not answer SSH on ${management.hosts[hostIndex]}:${SSH_PORT}; ${paths.log} ends with:\n${logTail(paths.log, 8)}`);
    }
    return "done";
}

async function ensureServices(context: UpContext, which: "aptProxy" | "gitDaemon"): Promise<"done" | "unchanged"> {
    const { plan, state } = context;
    const address = managementAddresses(plan).bridge;
    const port = which === "aptProxy" ? APT_PROXY_PORT : GIT_DAEMON_PORT;
    if (serviceHealthy(state[which], address, port)) return "unchanged";
    await stopProcess(state[which], { graceMs: 1_000 });
    const paths = benchPaths(plan.name);
    state[which] = which === "aptProxy" ? await startAptProxy(paths, address) : await startGitDaemon(paths, address);
    writeRuntimeState(state);
    return "done";
}

function upTasks(context: UpContext): BenchUpTask[] {
    const { plan } = context;
    // Every task after the first is a no-op on a healthy bench: that is the fast path.
    const unlessHealthy = (title: string, action: () => Promise<"done" | "unchanged">): BenchUpTask => ({
        title,
        run: async () => (context.healthyStatus ? "unchanged" : action()),
    });
    return [
        { title: `Check bench ${plan.name}`, run: () => checkExisting(context) },
        unlessHealthy(`Build the ${plan.suite} base image`, async () => {
            const base = await ensureBaseImage(plan.suite, context.log);
            context.state.baseImage = base.dir;
            writeRuntimeState(context.state);
            return base.built ? "done" : "unchanged";
        }),
        unlessHealthy("Create SSH keys", async () => {
            const keys = await ensureKeys(plan);
            const addresses = managementAddresses(plan).hosts;
            const knownHosts = plan.hosts.map((host, index) => ({ address: addresses[index], publicKey: keys.hosts[host.name].publicKey }));
            writeKnownHosts(benchPaths(plan.name).knownHosts, knownHosts);
            return "done";
        }),
        unlessHealthy("Wire the management bridge", async () => {
            await ensureManagementBridge(plan, context.state.names);
            return "done";
        }),
        unlessHealthy("Wire the switch", async () => {
            await ensureSwitch(plan, context.state.names, () => netemProbe(context));
            return "done";
        }),
        ...plan.hosts.map((host, index) => unlessHealthy(`Start host ${host.name}`, () => ensureHost(context, index))),
        unlessHealthy("Start the package proxy", () => ensureServices(context, "aptProxy")),
        unlessHealthy("Start the git server", () => ensureServices(context, "gitDaemon")),
        // After the package proxy, which brings it in; the host keeps it in its overlay across reboots.
        ...(plan.networkManager ?? []).map((hostName) =>
            unlessHealthy(`Start NetworkManager on ${hostName}`, async () => {
                context.log(await startNetworkManager(plan, hostName, context.state.names.hostNamespaces[hostName]));
                return "done";
            }),
        ),
    ];
}

async function runSequentially(tasks: readonly BenchUpTask[], log: (line: string) => void): Promise<void> {
    for (const task of tasks) {
        const started = Date.now();
        const outcome = await task.run();
        log(`${task.title}: ${outcome} (${Date.now() - started} ms)`);
    }
}

export async function benchUp(plan: BenchPlan, options: BenchUpOptions = {}): Promise<BenchStatus> {
    assertValidPlan(plan);
    await checkBenchPrerequisites();
    const log = options.log ?? (() => undefined);
    raiseInotifyLimits().forEach(log);
    return withBenchLock(plan.name, async () => {
        const state: BenchRuntimeState = { version: 1, plan, names: objectNames(plan), baseImage: "", hosts: {} };
        const context: UpContext = { plan, log, state };
        const tasks = upTasks(context);
        await (options.runTasks ? options.runTasks(tasks) : runSequentially(tasks, log));
        // A bench found healthy was left as it was, so its status stands.
        const status = context.healthyStatus ?? (await collectStatus(plan.name));
        if (status.state !== "running") {
            const problems = [...status.problems, ...status.hosts.flatMap((host) => host.problems.map((problem) => `${host.name}: ${problem}`))];
            throw new BenchError("BENCH_UNHEALTHY", `bench ${plan.name} is ${status.state} after up:\n  - ${problems.join("\n  - ")}`);
        }
        return status;
    });
}
