// Services the bench runs on the management bridge address: apt-cacher-ng (the hosts' only way to
// Debian's mirror, and to nothing else) and git daemon (repositories offered to the hosts).

import * as fs from "node:fs";
import * as path from "node:path";
import { DEBIAN_MIRROR } from "./base-image";
import { BenchError } from "./errors";
import { run } from "./exec";
import { type BenchPaths } from "./naming";
import { ownsListeningSocket } from "./probe";
import { isRunning, logTail, type ProcessRecord, startDetached, stopProcess, waitFor } from "./processes";

export const APT_PROXY_PORT = 3142;
export const GIT_DAEMON_PORT = 9418;

export function aptProxyUrl(managementAddress: string): string {
    return `http://${managementAddress}:${APT_PROXY_PORT}`;
}

export function gitBaseUrl(managementAddress: string): string {
    return `git://${managementAddress}`;
}

/**
 * apt-cacher-ng settings: listen on the bridge address only, keep cache and logs under the bench's
 * state dir, and serve Debian's mirror alone (ForceManaged refuses every other site).
 */
export function aptProxyConfig(paths: BenchPaths, managementAddress: string): string {
    const mirror = DEBIAN_MIRROR.replace(/^http:\/\//, "");
    return [
        "# Written by the mptcp-lab bench.",
        `CacheDir: ${paths.aptCacheDir}`,
        `LogDir: ${path.join(paths.aptProxyDir, "log")}`,
        "SupportDir: /usr/lib/apt-cacher-ng",
        `BindAddress: ${managementAddress}`,
        `Port: ${APT_PROXY_PORT}`,
        "ForeGround: 1",
        `PidFile: ${path.join(paths.runtimeDir, "apt-cacher-ng.pid")}`,
        `SocketPath: ${path.join(paths.runtimeDir, "apt-cacher-ng.socket")}`,
        `Remap-debrep: ${mirror} ; ${DEBIAN_MIRROR}/`,
        "ForceManaged: 1",
        "ExThreshold: 4",
        "",
    ].join("\n");
}

async function startService(name: string, command: string, args: readonly string[], logPath: string, address: string, port: number): Promise<ProcessRecord> {
    const record = startDetached(command, args, logPath);
    const listening = await waitFor(() => !isRunning(record) || ownsListeningSocket(record.pid, address, port), 10_000);
    if (!listening || !isRunning(record)) {
        await stopProcess(record, { graceMs: 1_000 });
        throw new BenchError("BENCH_SERVICE_START_FAILED", `${name} does not listen on ${address}:${port}; ${logPath} ends with:\n${logTail(logPath, 5)}`);
    }
    return record;
}

export async function startAptProxy(paths: BenchPaths, managementAddress: string): Promise<ProcessRecord> {
    const configDir = path.join(paths.aptProxyDir, "conf");
    for (const directory of [configDir, paths.aptCacheDir, path.join(paths.aptProxyDir, "log"), paths.logDir]) {
        fs.mkdirSync(directory, { recursive: true, mode: 0o755 });
    }
    fs.writeFileSync(path.join(configDir, "acng.conf"), aptProxyConfig(paths, managementAddress), { mode: 0o644 });
    const log = path.join(paths.logDir, "apt-cacher-ng.log");
    return startService("apt-cacher-ng", "apt-cacher-ng", ["-c", configDir], log, managementAddress, APT_PROXY_PORT);
}

export async function startGitDaemon(paths: BenchPaths, managementAddress: string): Promise<ProcessRecord> {
    fs.mkdirSync(paths.gitDir, { recursive: true, mode: 0o755 });
    fs.mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
    // `git daemon` would run git-daemon as a child: start the program itself, so that the recorded PID holds the port.
    const execPath = (await run("git", ["--exec-path"])).stdout.trim();
    const args = [
        "--reuseaddr",
        `--base-path=${paths.gitDir}`,
        "--export-all",
        "--informative-errors",
        `--listen=${managementAddress}`,
        `--port=${GIT_DAEMON_PORT}`,
        paths.gitDir,
    ];
    return startService("git daemon", path.join(execPath, "git-daemon"), args, path.join(paths.logDir, "git-daemon.log"), managementAddress, GIT_DAEMON_PORT);
}

/** True when the recorded service process runs and itself listens on its port. */
export function serviceHealthy(record: ProcessRecord | undefined, address: string, port: number): boolean {
    return record !== undefined && isRunning(record) && ownsListeningSocket(record.pid, address, port);
}
