// One emulated host: an overlay root over the shared base, mounted only inside the host's own mount
// namespace (so it vanishes with the host), new UTS and PID namespaces, a tiny init as PID 1, and
// sshd from the base image. Files the bench owns are written into the upper dir before the mount.

import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { emulatedBootIdFile } from "../remote/host-facts";
import { BenchError } from "./errors";
import { run } from "./exec";
import { assertMountablePath, type HostPaths } from "./naming";
import { childrenOf, fromNamespacePid, isRunning, logTail, type ProcessRecord, recordOf, startDetached, waitFor } from "./processes";

/**
 * Run by the machine's bash inside the new mount, UTS and PID namespaces (argv: base, upper,
 * work, root, hostname). Mounts the host's file systems, pivots into the overlay, drops every
 * machine mount (so the host pins none of them, other namespaces included) and becomes init.
 */
const HOST_SETUP_SCRIPT = String.raw`
set -euo pipefail
base=$1 upper=$2 work=$3 root=$4 host=$5
mount -t overlay overlay -o "lowerdir=$base,upperdir=$upper,workdir=$work" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t tmpfs -o mode=755,size=64k,nosuid tmpfs "$root/dev"
for device in null zero full random urandom tty; do
    : > "$root/dev/$device"
    mount --bind "/dev/$device" "$root/dev/$device"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs -o mode=755,nosuid,nodev,size=64m tmpfs "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
hostname "$host"
cd "$root"
mkdir -p .mptcp-lab-oldroot
pivot_root . .mptcp-lab-oldroot
cd /
umount --lazy /.mptcp-lab-oldroot
rmdir /.mptcp-lab-oldroot
mkdir -p /run/sshd /run/mptcp-lab
: > /run/mptcp-lab/ready
# PID 1: reaps orphans (bash waits on its children) and ends the host on SIGTERM.
exec /bin/bash -c 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'
`;

/** Starts sshd inside a running host and prints its PID as the host sees it. */
const SSHD_START_SCRIPT = "mkdir -p /run/sshd; /usr/sbin/sshd -D -e </dev/null >>/var/log/sshd.log 2>&1 & echo $!";

export interface HostFiles {
    readonly hostName: string;
    readonly hostPrivateKey: string;
    readonly hostPublicKey: string;
    /** The bench's client public key, authorized for root and pi. */
    readonly authorizedKey: string;
    readonly aptProxyUrl: string;
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

/** Identity, keys, apt proxy and boot id of a host; call only while the host is stopped (overlay unmounted). */
export function writeHostFiles(baseImage: string, paths: HostPaths, files: HostFiles): void {
    for (const directory of [paths.upper, paths.work, paths.root]) fs.mkdirSync(directory, { recursive: true, mode: 0o755 });
    const layers = { lower: baseImage, upper: paths.upper };
    const root = { uid: 0, gid: 0 };
    const pi = ownerOf(baseImage, "pi");
    const hosts = ["127.0.0.1\tlocalhost", `127.0.1.1\t${files.hostName}`, "::1\t\tlocalhost ip6-localhost ip6-loopback", ""].join("\n");
    writeIntoUpper(layers, "etc/hostname", `${files.hostName}\n`, { mode: 0o644 });
    writeIntoUpper(layers, "etc/hosts", hosts, { mode: 0o644 });
    writeIntoUpper(layers, "etc/ssh/ssh_host_ed25519_key", files.hostPrivateKey, { mode: 0o600 });
    writeIntoUpper(layers, "etc/ssh/ssh_host_ed25519_key.pub", `${files.hostPublicKey} root@${files.hostName}\n`, { mode: 0o644 });
    writeIntoUpper(layers, "root/.ssh/authorized_keys", `${files.authorizedKey}\n`, { mode: 0o600, newDirectory: { mode: 0o700, owner: root } });
    writeIntoUpper(layers, "home/pi/.ssh/authorized_keys", `${files.authorizedKey}\n`, { mode: 0o600, owner: pi, newDirectory: { mode: 0o700, owner: pi } });
    const proxy = `// Written by the mptcp-lab bench: the mirror is reached through the bench's proxy.\nAcquire::http::Proxy "${files.aptProxyUrl}";\n`;
    writeIntoUpper(layers, "etc/apt/apt.conf.d/01mptcp-lab-proxy", proxy, { mode: 0o644 });
    // Every start is a boot: a new boot id, as a real host gets from its kernel.
    writeIntoUpper(layers, emulatedBootIdFile.slice(1), `${randomUUID()}\n`, { mode: 0o644 });
}

export interface StartedHost {
    readonly launcher: ProcessRecord;
    readonly init: ProcessRecord;
}

/** Starts the host's process tree in its network namespace and waits until its init runs. */
export async function startHost(options: { namespace: string; hostName: string; baseImage: string; paths: HostPaths }): Promise<StartedHost> {
    const { paths } = options;
    for (const location of [options.baseImage, paths.upper, paths.work, paths.root]) assertMountablePath(location);
    fs.mkdirSync(path.dirname(paths.log), { recursive: true, mode: 0o700 });
    const unshare = ["unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child", "--propagation", "private"];
    const setup = ["bash", "-c", HOST_SETUP_SCRIPT, "mptcp-lab-host", options.baseImage, paths.upper, paths.work, paths.root, options.hostName];
    // nsenter execs unshare in place: the launcher PID is unshare's, and its only child is the host's init.
    const launcher = startDetached("nsenter", [`--net=/run/netns/${options.namespace}`, "--", ...unshare, ...setup], paths.log);
    let init: ProcessRecord | undefined;
    const ready = await waitFor(() => {
        if (!isRunning(launcher)) return true;
        const child = init ?? childrenOf(launcher.pid).map(recordOf).find((record) => record !== undefined);
        init = child;
        return child !== undefined && fs.existsSync(`/proc/${child.pid}/root/run/mptcp-lab/ready`);
    }, 15_000);
    if (!ready || !init || !isRunning(launcher) || !isRunning(init)) {
        throw new BenchError("BENCH_HOST_START_FAILED", `host ${options.hostName} did not start; ${paths.log} ends with:\n${logTail(paths.log, 6)}`);
    }
    return { launcher, init };
}

/** Starts sshd inside a running host, as a child of the host's init, and returns its PID. */
export async function startSshd(hostName: string, init: ProcessRecord): Promise<ProcessRecord> {
    const enter = ["--target", String(init.pid), "--mount", "--uts", "--net", "--pid", "--root", "--wd"];
    const result = await run("nsenter", [...enter, "--", "/bin/sh", "-c", SSHD_START_SCRIPT]);
    const innerPid = Number(result.stdout.trim());
    let sshd: ProcessRecord | undefined;
    await waitFor(() => {
        const pid = fromNamespacePid(init.pid, innerPid);
        sshd = pid === undefined ? undefined : recordOf(pid);
        return sshd !== undefined;
    }, 2_000);
    if (!sshd || !isRunning(sshd)) {
        throw new BenchError("BENCH_HOST_START_FAILED", `sshd did not start on ${hostName}; see /var/log/sshd.log inside the host`);
    }
    return sshd;
}

/** The last lines of the host's sshd log, read through the host's root while it runs. */
export function sshdLogTail(init: ProcessRecord): string {
    return logTail(`/proc/${init.pid}/root/var/log/sshd.log`, 6);
}
