// SSH into bench hosts with the system client, pinning the host keys the bench recorded
// (StrictHostKeyChecking=yes against the bench's known_hosts file; never anything laxer).

import type { BenchHostStatus, BenchStatus } from "../../../bench";
import { type RunResult, tryRun } from "../../../bench/exec";

export interface SshOptions {
    /** Who logs in: root unless told (bench hosts accept the bench's key for root and for `pi`, their default user). */
    readonly user?: string;
    readonly input?: string;
    readonly timeoutMs?: number;
    /** Another known_hosts file, to check that a wrong key is refused. */
    readonly knownHostsPath?: string;
}

export function hostOf(status: BenchStatus, name: string): BenchHostStatus {
    const host = status.hosts.find((candidate) => candidate.name === name);
    if (!host) throw new Error(`no host ${name} in bench ${status.name}`);
    return host;
}

export function ssh(status: BenchStatus, hostName: string, command: string, options: SshOptions = {}): Promise<RunResult> {
    const host = hostOf(status, hostName);
    return tryRun(
        "ssh",
        [
            "-i",
            status.privateKeyPath,
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            `UserKnownHostsFile=${options.knownHostsPath ?? status.knownHostsPath}`,
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "LogLevel=ERROR",
            "-p",
            String(host.sshPort),
            `${options.user ?? "root"}@${host.managementAddress}`,
            command,
        ],
        { input: options.input, timeoutMs: options.timeoutMs ?? 60_000 },
    );
}

/** Runs a command over SSH and returns its output, failing with its error output otherwise. */
export async function sshOk(status: BenchStatus, hostName: string, command: string, options: SshOptions = {}): Promise<string> {
    const result = await ssh(status, hostName, command, options);
    if (!result.ok) throw new Error(`ssh ${hostName} ${JSON.stringify(command)} exited ${result.exitCode}: ${result.stderr}`);
    return result.stdout;
}

/** MPTcpExt counters of the host's network namespace, from /proc/net/netstat. */
export async function mptcpCounters(status: BenchStatus, hostName: string): Promise<Record<string, number>> {
    const lines = (await sshOk(status, hostName, "cat /proc/net/netstat")).split("\n").filter((line) => line.startsWith("MPTcpExt:"));
    const [names, values] = lines.map((line) => line.split(/\s+/).slice(1));
    return Object.fromEntries(names.map((name, index) => [name, Number(values[index])]));
}
