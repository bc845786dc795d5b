// What a bench looks like now, checked against its plan: namespaces, links, addresses, processes
// and the services' ports. Read-only: it never changes the bench.

import { hasAddress, listLinks, listNamespaces, type LinkInfo, namespaceExists } from "./network";
import { BenchError } from "./errors";
import { publicKeyOf } from "./keys";
import { benchPaths, bridgeForHost, hostPaths, isNamespaceOfBench, switchPort } from "./naming";
import { BENCH_NAME_PATTERN, MANAGEMENT_INTERFACE, managementAddresses } from "./plan";
import { readGreeting } from "./probe";
import { machineInit, SSH_PORT } from "./host";
import { isRunning, startedAt } from "./processes";
import { APT_PROXY_PORT, aptProxyUrl, GIT_DAEMON_PORT, gitBaseUrl, serviceHealthy } from "./services";
import { shapingLimitations } from "./shaping";
import { type BenchRuntimeState, readRuntimeState } from "./state";

export { SSH_PORT } from "./host";
/** Raspberry Pi OS's user, with passwordless sudo; root may log in too (with the same key). */
export const SSH_USER = "pi";

export interface BenchHostStatus {
    name: string;
    namespace: string;
    managementAddress: string;
    sshPort: number;
    user: string;
    /** The host's pinned key, `ssh-ed25519 AAAA...`. */
    hostKey: string;
    interfaces: { name: string; cidr: string; up: boolean }[];
    /** When the machine's systemd started (its last boot); absent while it is down. */
    bootedAt?: string;
    healthy: boolean;
    problems: string[];
}

export interface BenchStatus {
    name: string;
    state: "running" | "degraded" | "absent";
    managementAddress: string;
    aptProxyUrl: string;
    gitBaseUrl: string;
    privateKeyPath: string;
    publicKey: string;
    knownHostsPath: string;
    hosts: BenchHostStatus[];
    /** Problems of the bench as a whole (switch, management bridge, services, leftovers). */
    problems: string[];
    /** What this machine cannot emulate of the plan (e.g. delay without netem). */
    limitations: string[];
}

function readPublicKey(file: string): string {
    try {
        return publicKeyOf(file);
    } catch {
        return "";
    }
}

/** Administratively up and operational (the kernel has activated its queue). */
function isUp(link: LinkInfo | undefined): boolean {
    return link !== undefined && link.flags.includes("UP") && link.operstate === "UP";
}

async function hostStatus(state: BenchRuntimeState, hostIndex: number, rootLinks: Map<string, LinkInfo>, switchLinks: Map<string, LinkInfo>): Promise<BenchHostStatus> {
    const { plan, names } = state;
    const host = plan.hosts[hostIndex];
    const namespace = names.hostNamespaces[host.name];
    const management = managementAddresses(plan);
    const managementAddress = management.hosts[hostIndex];
    const runtime = state.hosts[host.name] ?? {};
    const problems: string[] = [];
    const present = namespaceExists(namespace);
    if (!present) problems.push(`network namespace ${namespace} is missing`);
    const links = present ? await listLinks(namespace) : new Map<string, LinkInfo>();
    if (!hasAddress(links.get(MANAGEMENT_INTERFACE), `${managementAddress}/${management.prefixLength}`) || !isUp(links.get(MANAGEMENT_INTERFACE))) {
        problems.push(`${MANAGEMENT_INTERFACE} is missing, down or without ${managementAddress}`);
    }
    if (rootLinks.get(names.managementPorts[host.name])?.master !== names.managementBridge) {
        problems.push(`management port ${names.managementPorts[host.name]} is not on ${names.managementBridge}`);
    }
    const interfaces = host.interfaces.map((item) => {
        const link = links.get(item.name);
        if (!link) problems.push(`${item.name} is missing`);
        else if (!hasAddress(link, item.cidr)) problems.push(`${item.name} lacks ${item.cidr}`);
        const port = switchLinks.get(switchPort(hostIndex, item.name));
        if (port?.master !== bridgeForHost(plan, hostIndex) || !port.flags.includes("UP")) {
            problems.push(`switch port ${switchPort(hostIndex, item.name)} is missing, down or off the bridge`);
        }
        // A lab link that is down is a state (a failover test), not a fault.
        return { name: item.name, cidr: item.cidr, up: isUp(link) };
    });
    const init = machineInit(namespace);
    if (!isRunning(runtime.supervisor)) problems.push("the host's supervisor is not running");
    else if (!init) problems.push(`no machine runs in ${namespace} (it may be rebooting)`);
    if (init && !(await readGreeting(managementAddress, SSH_PORT))?.startsWith("SSH-2.0-")) problems.push(`sshd does not answer on ${managementAddress}:${SSH_PORT}`);
    return {
        name: host.name,
        namespace,
        managementAddress,
        sshPort: SSH_PORT,
        user: SSH_USER,
        hostKey: readPublicKey(`${hostPaths(plan.name, host.name).hostKey}.pub`),
        interfaces,
        ...(init ? { bootedAt: startedAt(init).toISOString() } : {}),
        healthy: problems.length === 0,
        problems,
    };
}

function leftoverProblems(benchName: string): string[] {
    return listNamespaces()
        .filter((namespace) => isNamespaceOfBench(benchName, namespace))
        .map((namespace) => `network namespace ${namespace} is left over without bench state`);
}

export async function collectStatus(benchName: string): Promise<BenchStatus> {
    const paths = benchPaths(benchName);
    const state = readRuntimeState(benchName);
    const common = { name: benchName, privateKeyPath: paths.privateKey, publicKey: readPublicKey(`${paths.privateKey}.pub`), knownHostsPath: paths.knownHosts };
    if (!state) {
        const problems = leftoverProblems(benchName);
        const empty = { managementAddress: "", aptProxyUrl: "", gitBaseUrl: "", hosts: [], limitations: [] };
        return { ...common, ...empty, state: problems.length > 0 ? "degraded" : "absent", problems };
    }
    const { plan, names } = state;
    const managementAddress = managementAddresses(plan).bridge;
    const problems: string[] = [];
    const rootLinks = await listLinks();
    const bridge = rootLinks.get(names.managementBridge);
    if (!bridge?.flags.includes("UP") || !hasAddress(bridge, `${managementAddress}/${managementAddresses(plan).prefixLength}`)) {
        problems.push(`management bridge ${names.managementBridge} is missing, down or without ${managementAddress}`);
    }
    const switchPresent = namespaceExists(names.switchNamespace);
    if (!switchPresent) problems.push(`switch namespace ${names.switchNamespace} is missing`);
    const switchLinks = switchPresent ? await listLinks(names.switchNamespace) : new Map<string, LinkInfo>();
    if (!serviceHealthy(state.aptProxy, managementAddress, APT_PROXY_PORT)) problems.push(`apt-cacher-ng is not serving ${managementAddress}:${APT_PROXY_PORT}`);
    if (!serviceHealthy(state.gitDaemon, managementAddress, GIT_DAEMON_PORT)) problems.push(`git daemon is not serving ${managementAddress}:${GIT_DAEMON_PORT}`);
    const hosts = await Promise.all(plan.hosts.map((_, index) => hostStatus(state, index, rootLinks, switchLinks)));
    const healthy = problems.length === 0 && hosts.every((host) => host.healthy);
    return {
        ...common,
        state: healthy ? "running" : "degraded",
        managementAddress,
        aptProxyUrl: aptProxyUrl(managementAddress),
        gitBaseUrl: gitBaseUrl(managementAddress),
        hosts,
        problems,
        limitations: shapingLimitations(plan, state.netemAvailable ?? true),
    };
}

/** The bench's state as it is now, checked against its plan. */
export async function benchStatus(name: string): Promise<BenchStatus> {
    if (!BENCH_NAME_PATTERN.test(name)) throw new BenchError("BENCH_NAME_INVALID", `invalid bench name ${JSON.stringify(name)}`);
    return collectStatus(name);
}
