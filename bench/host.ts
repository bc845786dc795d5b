// One emulated host: a systemd-nspawn machine that boots systemd from an overlay root over the
// shared base, inside the host's network namespace. A small supervisor (bash in a mount namespace
// of its own, where the overlay is mounted) starts the machine again when it reboots, as a Pi
// comes back after `reboot`. Files the bench owns are written into the upper dir before the mount.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BenchError } from "./errors";
import { tryRun } from "./exec";
import { assertMountablePath, type HostPaths } from "./naming";
import { readGreeting } from "./probe";
import { isRunning, namespacePids, processesInNetworkNamespace, type ProcessRecord, recordOf, sleep, startDetached, stopProcess, waitFor } from "./processes";

/** Where the supervisor puts itself (and so its machine) in each cgroup hierarchy, below its root. */
export const CGROUP_PARENT = "mptcp-lab";
/** The cgroup hierarchies systemd-nspawn uses: the unified one and, on a hybrid machine, name=systemd. */
export const CGROUP_HIERARCHIES: readonly string[] = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"];

/** sshd's port on every host's management address. */
export const SSH_PORT = 22;

/** systemd-nspawn's exit status when the machine asked for a reboot (systemd-nspawn(1)). */
export const REBOOT_EXIT_STATUS = 133;

/**
 * The host's supervisor (argv: base, upper, work, root, namespace, host name, then the sysctls the
 * bench sets in the host's namespace). Runs in a mount namespace of its own, so that the overlay
 * goes with it. Before every boot it resets what a boot resets in the kernel the host shares with
 * the machine: no MPTCP endpoint, the default limits and net.* settings of a new namespace, every
 * link up (as NetworkManager does at boot). It boots the machine again after a reboot (exit 133)
 * and ends with any other exit; SIGTERM powers the machine off.
 */
const SUPERVISOR_SCRIPT = String.raw`
set -uo pipefail
base=$1 upper=$2 work=$3 root=$4 namespace=$5 host=$6
shift 6
netns=/run/netns/$namespace
log() { printf '%s mptcp-lab: %s\n' "$(date -u +%FT%TZ)" "$*"; }
# A cgroup of its own in each hierarchy, so that the machine's systemd manages its own tree only.
for hierarchy in ${CGROUP_HIERARCHIES.join(" ")}; do
    [ -e "$hierarchy/cgroup.procs" ] || continue
    mkdir -p "$hierarchy/${CGROUP_PARENT}/$namespace" && echo $$ >"$hierarchy/${CGROUP_PARENT}/$namespace/cgroup.procs" || exit 1
done
mount -t overlay overlay -o "lowerdir=$base,upperdir=$upper,workdir=$work" "$root" || exit 1
fresh_limits=$(unshare --net ip mptcp limits show) || exit 1
fresh_sysctls=$(unshare --net sysctl -a -r '^net\.(mptcp|ipv4\.conf\.(all|default))\.' 2>/dev/null) || exit 1
reset_network() {
    nsenter --net="$netns" -- ip mptcp endpoint flush
    # shellcheck disable=SC2086 # "add_addr_accepted 0 subflows 2": words on purpose
    nsenter --net="$netns" -- ip mptcp limits set $fresh_limits
    printf '%s\n' "$fresh_sysctls" | nsenter --net="$netns" -- sysctl -e -q -p /dev/stdin 2>/dev/null
    [ $# -eq 0 ] || nsenter --net="$netns" -- sysctl -q -w "$@" >/dev/null
    for link in $(nsenter --net="$netns" -- ip -o link show 2>/dev/null | sed -E 's/^[0-9]+: ([^:@]+).*/\1/'); do
        nsenter --net="$netns" -- ip link set "$link" up
    done
}
stopping= nspawn=
trap 'stopping=1; [ -z "$nspawn" ] || kill -TERM "$nspawn" 2>/dev/null' TERM INT
while :; do
    reset_network "$@"
    log "boot $host"
    # /proc/sys/net writable (systemd-sysctl applies /etc/sysctl.d, the lab sets net.mptcp.*); no
    # image lock files left in the machine's /run when a host is killed.
    SYSTEMD_COLORS=0 SYSTEMD_NSPAWN_API_VFS_WRITABLE=network SYSTEMD_NSPAWN_LOCK=0 systemd-nspawn --quiet --boot --directory="$root" \
        --machine="$namespace" --hostname="$host" --network-namespace-path="$netns" --register=no --keep-unit \
        --capability=CAP_NET_ADMIN --link-journal=no --resolv-conf=off --timezone=off --console=read-only \
        --setenv=SYSTEMD_COLORS=0 </dev/null &
    nspawn=$!
    while :; do
        wait "$nspawn"
        status=$?
        kill -0 "$nspawn" 2>/dev/null || break # wait was cut short by the trap: wait again
    done
    nspawn=
    if [ -n "$stopping" ] || [ "$status" -ne ${REBOOT_EXIT_STATUS} ]; then
        log "$host stopped (exit $status)"
        exit "$status"
    fi
    log "$host reboots"
done
`;

export interface HostFiles {
    readonly hostName: string;
    /** The host's /etc/machine-id: 32 hex digits, kept across reboots like a Pi's. */
    readonly machineId: string;
    readonly hostPrivateKey: string;
    readonly hostPublicKey: string;
    /** The bench's client public key, authorized for root and pi. */
    readonly authorizedKey: string;
    readonly aptProxyUrl: string;
}

/** A fixed machine id per bench and host, so that a re-created host keeps its journal's identity. */
export function machineIdOf(benchName: string, hostName: string): string {
    return createHash("sha256").update(`${benchName}/${hostName}/machine-id`).digest("hex").slice(0, 32);
}

interface Owner {
    readonly uid: number;
    readonly gid: number;
}

function ownerOf(baseImage: string, user: string): Owner {
    const line = fs.readFileSync(path.join(baseImage, "etc/passwd"), "utf8").split("\n").find((entry) => entry.startsWith(`${user}:`));
    if (!line) throw new BenchError("BENCH_HOST_START_FAILED", `user ${user} missing from the base image ${baseImage}`);
    const fields = line.split(":");
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * Writes one file into an overlay upper dir. Parent dirs the upper lacks are created with the
 * lower dir's mode and owner (the merged view takes them from the upper), or `newDirectory`.
 */
function writeIntoUpper(
    layers: { lower: string; upper: string },
    relative: string,
    content: string,
    file: { mode: number; owner?: Owner; newDirectory?: { mode: number; owner: Owner } },
): void {
    let current = "";
    for (const part of path.dirname(relative).split("/")) {
        current = path.join(current, part);
        const upperDirectory = path.join(layers.upper, current);
        const existing = fs.lstatSync(upperDirectory, { throwIfNoEntry: false });
        if (existing?.isDirectory()) continue;
        // Anything else there was written by the host (a whiteout, a file, a symlink that could
        // point out of the overlay): replace it, never follow it.
        if (existing) fs.rmSync(upperDirectory, { force: true });
        const lower = fs.statSync(path.join(layers.lower, current), { throwIfNoEntry: false });
        const attributes = lower ? { mode: lower.mode & 0o7777, owner: { uid: lower.uid, gid: lower.gid } } : file.newDirectory ?? { mode: 0o755, owner: { uid: 0, gid: 0 } };
        fs.mkdirSync(upperDirectory);
        fs.chownSync(upperDirectory, attributes.owner.uid, attributes.owner.gid);
        fs.chmodSync(upperDirectory, attributes.mode);
    }
    const target = path.join(layers.upper, relative);
    fs.rmSync(target, { force: true }); // may be a whiteout (a 0/0 character device) or a symlink
    fs.writeFileSync(target, content, { flag: "wx" });
    fs.chownSync(target, file.owner?.uid ?? 0, file.owner?.gid ?? 0);
    fs.chmodSync(target, file.mode);
}

/** Identity, keys and apt proxy of a host; call only while the host is stopped (overlay unmounted). */
export function writeHostFiles(baseImage: string, paths: HostPaths, files: HostFiles): void {
    for (const directory of [paths.upper, paths.work, paths.root]) fs.mkdirSync(directory, { recursive: true, mode: 0o755 });
    const layers = { lower: baseImage, upper: paths.upper };
    const root = { uid: 0, gid: 0 };
    const pi = ownerOf(baseImage, "pi");
    const hosts = ["127.0.0.1\tlocalhost", `127.0.1.1\t${files.hostName}`, "::1\t\tlocalhost ip6-localhost ip6-loopback", ""].join("\n");
    writeIntoUpper(layers, "etc/hostname", `${files.hostName}\n`, { mode: 0o644 });
    writeIntoUpper(layers, "etc/hosts", hosts, { mode: 0o644 });
    writeIntoUpper(layers, "etc/machine-id", `${files.machineId}\n`, { mode: 0o444 });
    writeIntoUpper(layers, "etc/ssh/ssh_host_ed25519_key", files.hostPrivateKey, { mode: 0o600 });
    writeIntoUpper(layers, "etc/ssh/ssh_host_ed25519_key.pub", `${files.hostPublicKey} root@${files.hostName}\n`, { mode: 0o644 });
    writeIntoUpper(layers, "root/.ssh/authorized_keys", `${files.authorizedKey}\n`, { mode: 0o600, newDirectory: { mode: 0o700, owner: root } });
    writeIntoUpper(layers, "home/pi/.ssh/authorized_keys", `${files.authorizedKey}\n`, { mode: 0o600, owner: pi, newDirectory: { mode: 0o700, owner: pi } });
    const proxy = `// Written by the mptcp-lab bench: the mirror is reached through the bench's proxy.\nAcquire::http::Proxy "${files.aptProxyUrl}";\n`;
    writeIntoUpper(layers, "etc/apt/apt.conf.d/01mptcp-lab-proxy", proxy, { mode: 0o644 });
}

/** Starts the host's supervisor, which mounts the overlay and boots the machine; returns its record. */
export function startHost(options: { namespace: string; hostName: string; baseImage: string; paths: HostPaths; sysctls: readonly string[] }): ProcessRecord {
    const { paths } = options;
    for (const location of [options.baseImage, paths.upper, paths.work, paths.root]) assertMountablePath(location);
    fs.mkdirSync(path.dirname(paths.log), { recursive: true, mode: 0o700 });
    const script = ["bash", "-c", SUPERVISOR_SCRIPT, "mptcp-lab-host"];
    const args = [options.baseImage, paths.upper, paths.work, paths.root, options.namespace, options.hostName, ...options.sysctls];
    // unshare execs bash in place: the recorded PID is the supervisor's.
    return startDetached("unshare", ["--mount", "--propagation", "private", "--", ...script, ...args], paths.log);
}

/** PID 1 of the machine booted in the namespace (as a root-namespace PID), if one runs. */
export function machineInit(namespace: string): ProcessRecord | undefined {
    const pid = processesInNetworkNamespace(namespace).find((candidate) => {
        const pids = namespacePids(candidate);
        return pids.length > 1 && pids.at(-1) === 1;
    });
    return pid === undefined ? undefined : recordOf(pid);
}

/** Runs a command inside the running machine, as its root, through its PID 1's namespaces. */
export function runInMachine(init: ProcessRecord, command: readonly string[], options: { timeoutMs?: number } = {}) {
    const enter = ["--target", String(init.pid), "--mount", "--uts", "--ipc", "--net", "--pid", "--root", "--wd"];
    return tryRun("nsenter", [...enter, "--", ...command], options);
}

/** Asks the machine's systemd to reboot, as `systemctl reboot` on a Pi. */
export async function rebootMachine(hostName: string, init: ProcessRecord): Promise<void> {
    const result = await runInMachine(init, ["systemctl", "reboot"]);
    // The connection to systemd may break as it goes down: that is the reboot, not a failure.
    if (!result.ok && !/reset by peer|Transport endpoint|disconnected/i.test(result.stderr)) {
        throw new BenchError("BENCH_COMMAND_FAILED", `systemctl reboot failed on ${hostName}: ${result.stderr.trim()}`);
    }
}

/** Starts ssh.service inside the machine (a no-op when it runs); waits for the boot to get there. */
export async function startSshService(init: ProcessRecord): Promise<boolean> {
    return (await runInMachine(init, ["systemctl", "start", "ssh.service"], { timeoutMs: 60_000 })).ok;
}

/** How long a host may take from its start (or reboot) to answering SSH. */
export const HOST_BOOT_TIMEOUT_MS = 90_000;

/**
 * Waits for the host's SSH greeting while the machine boots, and starts ssh.service when it was
 * stopped. False when the supervisor ends or the time runs out.
 */
export async function waitForSsh(namespace: string, address: string, supervisor: ProcessRecord | undefined, timeoutMs: number): Promise<boolean> {
    const answering = async () => (await readGreeting(address, SSH_PORT, 500))?.startsWith("SSH-2.0-") === true;
    const deadline = Date.now() + timeoutMs;
    while (!(await answering())) {
        if (!isRunning(supervisor) || Date.now() > deadline) return false;
        const init = machineInit(namespace);
        // Waits for the boot to reach ssh.service (or fails at once while systemd is not yet listening).
        if (!init || !(await startSshService(init))) await sleep(100);
    }
    return true;
}

/** Cgroups of the host's supervisor and machine, deepest first, in every hierarchy. */
export function hostCgroups(namespace: string): string[] {
    const found: string[] = [];
    const walk = (directory: string) => {
        for (const entry of fs.readdirSync(directory, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(directory, entry.name));
        found.push(directory);
    };
    for (const hierarchy of CGROUP_HIERARCHIES) {
        const directory = path.join(hierarchy, CGROUP_PARENT, namespace);
        if (fs.existsSync(directory)) walk(directory);
    }
    return found;
}

/** Removes the host's cgroups (and the shared parent when it is empty); returns those still there. */
export function removeHostCgroups(namespace: string): string[] {
    const remove = (directory: string) => {
        try {
            fs.rmdirSync(directory);
        } catch {
            // Still holds a process, or another bench's cgroups: reported by the caller, or kept.
        }
    };
    hostCgroups(namespace).forEach(remove);
    for (const hierarchy of CGROUP_HIERARCHIES) if (fs.existsSync(path.join(hierarchy, CGROUP_PARENT))) remove(path.join(hierarchy, CGROUP_PARENT));
    return hostCgroups(namespace);
}

/** Every process in the host's cgroups (each once: a hybrid machine lists it in two hierarchies): its supervisor, systemd-nspawn and the machine. */
export function hostProcesses(namespace: string): number[] {
    const pids = hostCgroups(namespace).flatMap((directory) => {
        try {
            return fs.readFileSync(path.join(directory, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
        } catch {
            return [];
        }
    });
    return [...new Set(pids)];
}

/** Where systemd-nspawn keeps a directory per running container (for `machinectl bind`). */
export const NSPAWN_PROPAGATE_DIR = "/run/systemd/nspawn/propagate";

/**
 * Ends the host: the supervisor first (SIGTERM powers the machine off, as `poweroff` on a Pi,
 * for up to `graceMs`; it then boots nothing again), then every process left in its cgroups, as
 * pulling a Pi's power would. The overlay goes with the supervisor's mount namespace. Returns
 * false when something of it is left.
 */
export async function stopHost(namespace: string, supervisor: ProcessRecord | undefined, graceMs = 0): Promise<boolean> {
    await stopProcess(supervisor, { graceMs, immediate: graceMs === 0 });
    const kill = () => {
        for (const hierarchy of CGROUP_HIERARCHIES) {
            const killFile = path.join(hierarchy, CGROUP_PARENT, namespace, "cgroup.kill");
            if (fs.existsSync(killFile)) fs.writeFileSync(killFile, "1");
        }
        for (const pid of hostProcesses(namespace)) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // Gone meanwhile.
            }
        }
    };
    kill();
    const gone = await waitFor(() => {
        if (hostProcesses(namespace).length > 0) kill();
        return hostProcesses(namespace).length === 0;
    }, 5_000);
    fs.rmSync(path.join(NSPAWN_PROPAGATE_DIR, namespace), { recursive: true, force: true });
    return gone && removeHostCgroups(namespace).length === 0;
}
