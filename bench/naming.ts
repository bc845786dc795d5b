// Names of the kernel objects and directories of a bench. Every name carries the bench's name or
// a short hash of it, so that benches side by side never share an object. Pure functions.

import { createHash } from "node:crypto";
import * as path from "node:path";
import { BenchError } from "./errors";
import type { BenchPlan } from "./plan";

export const NAME_PREFIX = "mlab";
/** Linux interface names are at most 15 bytes (IFNAMSIZ - 1). */
export const MAX_INTERFACE_NAME_LENGTH = 15;

/** Runtime state (PIDs): vanishes at reboot, like the namespaces it describes. */
export const RUNTIME_ROOT = "/run/mptcp-lab/benches";
/** Keys, overlay upper dirs, git repositories, package cache: survive a reboot. */
export const STATE_ROOT = "/var/lib/mptcp-lab/benches";

/** Six hex digits of SHA-256: short enough for interface names, long enough to tell benches apart. */
export function benchHash(benchName: string): string {
    return createHash("sha256").update(benchName).digest("hex").slice(0, 6);
}

export function hostNamespace(benchName: string, hostName: string): string {
    return `${NAME_PREFIX}-${benchName}-${hostName}`;
}

/** The emulated switch lives in its own namespace, so nothing is bridged in the root namespace. */
export function switchNamespace(benchName: string): string {
    return `${NAME_PREFIX}-${benchName}-sw`;
}

/** True for `mlab-<bench>-<x>` where x has no hyphen: a host's or the switch's namespace of this bench. */
export function isNamespaceOfBench(benchName: string, namespace: string): boolean {
    const prefix = `${NAME_PREFIX}-${benchName}-`;
    return namespace.startsWith(prefix) && /^[a-z][a-z0-9]*$/.test(namespace.slice(prefix.length));
}

/** The management bridge in the machine's root namespace, e.g. `mlab-1a2b3c`. */
export function managementBridge(benchName: string): string {
    return `${NAME_PREFIX}-${benchHash(benchName)}`;
}

/** Root-namespace end of host n's management link, e.g. `mlab-1a2b3c-0`; inside the host it is `mgmt0`. */
export function managementPort(benchName: string, hostIndex: number): string {
    return checkedInterfaceName(`${managementBridge(benchName)}-${hostIndex}`);
}

/** Switch-side end of a host's lab interface, inside the switch namespace, e.g. `h0-wlan0`. */
export function switchPort(hostIndex: number, interfaceName: string): string {
    return checkedInterfaceName(`h${hostIndex}-${interfaceName}`);
}

/**
 * A fixed, locally administered MAC address for a host's interface (a Pi's MACs do not change
 * either): a re-created link keeps its address, so no neighbour cache holds a stale one.
 */
export function interfaceMac(benchName: string, hostName: string, interfaceName: string): string {
    return localMac(`${benchName}/${hostName}/${interfaceName}`);
}

/** The management bridge's MAC, fixed so that adding or re-creating ports never changes it. */
export function managementBridgeMac(benchName: string): string {
    return localMac(`${benchName}//management-bridge`);
}

function localMac(seed: string): string {
    const octets = [0x02, ...createHash("sha256").update(seed).digest().subarray(0, 5)];
    return octets.map((octet) => octet.toString(16).padStart(2, "0")).join(":");
}

/** LAN bridges in the switch namespace: one, or two joined by the shared bottleneck. */
export const SWITCH_BRIDGE = "lan";
export const BOTTLENECK_BRIDGES = { clientSide: "lan-a", serverSide: "lan-b" } as const;
export const BOTTLENECK_LINK = { clientSide: "inner-a", serverSide: "inner-b" } as const;

/** The LAN bridge a host's ports join: with a shared bottleneck, host 0 sits on the other side. */
export function bridgeForHost(plan: BenchPlan, hostIndex: number): string {
    if (plan.sharedBottleneckMbit === undefined) return SWITCH_BRIDGE;
    return hostIndex === 0 ? BOTTLENECK_BRIDGES.clientSide : BOTTLENECK_BRIDGES.serverSide;
}

function checkedInterfaceName(name: string): string {
    if (name.length > MAX_INTERFACE_NAME_LENGTH) throw new RangeError(`interface name too long: ${name}`);
    return name;
}

export interface BenchPaths {
    readonly runtimeDir: string;
    readonly runtimeStateFile: string;
    readonly logDir: string;
    readonly lockDir: string;
    readonly stateDir: string;
    readonly privateKey: string;
    readonly knownHosts: string;
    readonly gitDir: string;
    readonly aptProxyDir: string;
    readonly aptCacheDir: string;
}

export function benchPaths(benchName: string): BenchPaths {
    const runtimeDir = path.join(RUNTIME_ROOT, benchName);
    const stateDir = path.join(STATE_ROOT, benchName);
    return {
        runtimeDir,
        runtimeStateFile: path.join(runtimeDir, "state.json"),
        logDir: path.join(runtimeDir, "logs"),
        lockDir: path.join(RUNTIME_ROOT, `.${benchName}.lock`),
        stateDir,
        privateKey: path.join(stateDir, "id_ed25519"),
        knownHosts: path.join(stateDir, "known_hosts"),
        gitDir: path.join(stateDir, "git"),
        aptProxyDir: path.join(stateDir, "apt-proxy"),
        aptCacheDir: path.join(stateDir, "apt-proxy", "cache"),
    };
}

export interface HostPaths {
    readonly dir: string;
    readonly hostKey: string;
    readonly upper: string;
    readonly work: string;
    /** Mount point of the overlay; mounted only inside the host's own mount namespace. */
    readonly root: string;
    readonly log: string;
}

export function hostPaths(benchName: string, hostName: string): HostPaths {
    const paths = benchPaths(benchName);
    const dir = path.join(paths.stateDir, "hosts", hostName);
    return {
        dir,
        hostKey: path.join(dir, "ssh_host_ed25519_key"),
        upper: path.join(dir, "upper"),
        work: path.join(dir, "work"),
        root: path.join(dir, "root"),
        log: path.join(paths.logDir, `${hostName}.log`),
    };
}

/** `${XDG_CACHE_HOME:-$HOME/.cache}/mptcp-lab`, outside the repository. */
export function cacheRoot(environment: NodeJS.ProcessEnv = process.env): string {
    const base = environment.XDG_CACHE_HOME || path.join(environment.HOME || "/root", ".cache");
    return path.join(base, "mptcp-lab");
}

/** Overlay mount options are comma- and colon-separated: refuse paths that would break them. */
export function assertMountablePath(location: string): void {
    if (!path.isAbsolute(location) || /[,:\s\\]/.test(location)) {
        throw new BenchError("BENCH_PATH_INVALID", `path not usable in an overlay mount: ${location}`);
    }
}
