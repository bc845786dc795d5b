// The shared Debian base of every host's overlay: built once with debootstrap, cached outside the
// repository, and published atomically (built under a temporary name, renamed when complete), so
// that an interrupted build is never used.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BenchError } from "./errors";
import { run, tryRun } from "./exec";
import { assertMountablePath, cacheRoot } from "./naming";
import { isRunning, recordOf } from "./processes";

export const DEBIAN_MIRROR = "http://deb.debian.org/debian";

/**
 * Roughly a fresh Raspberry Pi OS Lite, booted by systemd-nspawn: systemd as PID 1 (with dbus, as
 * on a Pi), ssh.service; the lab stack installs everything else with apt.
 */
export const BASE_PACKAGES: readonly string[] = ["systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "sudo", "ca-certificates", "procps", "iputils-ping"];

/** Bump when the preparation below changes, so that a new base is built instead of reusing the old. */
const BASE_RECIPE = "base-recipe-4";

const SSHD_SETTINGS = [
    "# Written by the mptcp-lab bench: key-only logins, one pinned ed25519 host key.",
    "HostKey /etc/ssh/ssh_host_ed25519_key",
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UseDNS no",
    "# Every login comes from the one management address, and the bench's health probe opens and",
    "# closes connections without logging in: OpenSSH 9.8+ would penalise that source and refuse it",
    '# for a while ("Not allowed at this time").',
    "PerSourcePenalties no",
    "MaxStartups 100:30:200",
    "",
].join("\n");

/** Units that a bench host must not run. */
const MASKED_UNITS: readonly string[] = ["apt-daily.timer", "apt-daily-upgrade.timer"];

/** `<cache>/bench-base/<suite>-<short hash of the package list>`. */
export function baseImageDir(suite: string, cache: string = cacheRoot()): string {
    const digest = createHash("sha256").update([BASE_RECIPE, DEBIAN_MIRROR, ...BASE_PACKAGES].join("\n")).digest("hex");
    return path.join(cache, "bench-base", `${suite}-${digest.slice(0, 10)}`);
}

/** Mount points at or below a directory, deepest first (the order to unmount them in). */
export function mountPointsUnder(directory: string): string[] {
    const unescape = (text: string) => text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    return fs
        .readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => unescape(line.split(" ")[4]))
        .filter((mountPoint) => mountPoint === directory || mountPoint.startsWith(`${directory}/`))
        .sort((first, second) => second.length - first.length);
}

/** Removes a build directory, unmounting first what an interrupted debootstrap left mounted in it. */
async function removeBuildDirectory(directory: string): Promise<void> {
    for (const mountPoint of mountPointsUnder(directory)) await run("umount", ["--lazy", mountPoint]);
    fs.rmSync(directory, { recursive: true, force: true });
}

/** Partial builds whose builder is gone: `<dir>.partial-<pid>-<start time>`. */
async function removeAbandonedBuilds(imageDir: string): Promise<void> {
    const parent = path.dirname(imageDir);
    const prefix = `${path.basename(imageDir)}.partial-`;
    for (const entry of fs.readdirSync(parent)) {
        if (!entry.startsWith(prefix)) continue;
        const [pid, startTime] = entry.slice(prefix.length).split("-");
        if (!isRunning({ pid: Number(pid), startTime })) await removeBuildDirectory(path.join(parent, entry));
    }
}

async function prepareBase(root: string, suite: string): Promise<void> {
    const write = (relative: string, content: string, mode: number) => {
        fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
        fs.writeFileSync(path.join(root, relative), content, { mode });
        fs.chmodSync(path.join(root, relative), mode);
    };
    // A `pi` user with passwordless sudo, as on Raspberry Pi OS; `*` means no password login.
    await run("chroot", [root, "useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", "--password", "*", "pi"]);
    write("etc/sudoers.d/010_pi-nopasswd", "pi ALL=(ALL) NOPASSWD: ALL\n", 0o440);
    write("etc/ssh/sshd_config.d/10-mptcp-lab.conf", SSHD_SETTINGS, 0o644);
    for (const entry of fs.readdirSync(path.join(root, "etc/ssh"))) {
        if (entry.startsWith("ssh_host_")) fs.rmSync(path.join(root, "etc/ssh", entry));
    }
    write("etc/resolv.conf", "# No name server on the bench: apt reaches the mirror through the bench's proxy.\n", 0o644);
    write("etc/hostname", "localhost\n", 0o644);
    // Each host gets its own machine id (written by the bench); an empty file would be filled per boot.
    fs.rmSync(path.join(root, "etc/machine-id"), { force: true });
    fs.rmSync(path.join(root, "var/lib/dbus/machine-id"), { force: true });
    // Timers that would take apt's lock in the middle of the lab's installs; nothing updates a bench host by itself.
    await run("chroot", [root, "systemctl", "mask", ...MASKED_UNITS]);
    write("etc/systemd/journald.conf.d/10-mptcp-lab.conf", "# Written by the mptcp-lab bench: the journal lives in /run; keep it small.\n[Journal]\nRuntimeMaxUse=16M\n", 0o644);
    await run("chroot", [root, "apt-get", "clean"]);
    // Package lists go stale in a cached base: drop them, keeping lists/partial (owned by _apt) and the lock.
    const lists = path.join(root, "var/lib/apt/lists");
    for (const entry of fs.readdirSync(lists)) {
        if (entry !== "partial" && entry !== "lock") fs.rmSync(path.join(lists, entry), { recursive: true, force: true });
    }
    const description = { suite, mirror: DEBIAN_MIRROR, packages: BASE_PACKAGES, recipe: BASE_RECIPE, builtAt: new Date().toISOString() };
    write("etc/mptcp-lab-base.json", JSON.stringify(description, null, 2) + "\n", 0o644);
}

export interface BaseImage {
    readonly dir: string;
    /** True when this call built it; false when it came from the cache. */
    readonly built: boolean;
}

export async function ensureBaseImage(suite: string, log: (line: string) => void = () => undefined): Promise<BaseImage> {
    const dir = baseImageDir(suite);
    assertMountablePath(dir);
    if (fs.existsSync(dir)) return { dir, built: false };
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
    await removeAbandonedBuilds(dir);
    const self = recordOf(process.pid);
    const partial = `${dir}.partial-${process.pid}-${self?.startTime ?? "0"}`;
    log(`debootstrap ${suite} into ${partial}`);
    try {
        const include = `--include=${BASE_PACKAGES.join(",")}`;
        const result = await tryRun("debootstrap", ["--variant=minbase", "--components=main", include, suite, partial, DEBIAN_MIRROR], {
            timeoutMs: 30 * 60_000,
        });
        if (!result.ok) {
            const detail = (result.stdout + result.stderr).trim().split("\n").slice(-8).join("\n");
            throw new BenchError("BENCH_BASE_BUILD_FAILED", `debootstrap ${suite} failed:\n${detail}`);
        }
        log("prepare the base: pi user, sshd settings, no host keys or machine id, masked apt timers, empty apt cache");
        await prepareBase(partial, suite);
        if (mountPointsUnder(partial).length > 0) throw new BenchError("BENCH_BASE_BUILD_FAILED", `mounts left under ${partial}`);
        try {
            fs.renameSync(partial, dir);
        } catch (error) {
            // Another builder finished first: use its base and drop ours.
            if (!fs.existsSync(dir)) throw error;
            await removeBuildDirectory(partial);
        }
        return { dir, built: true };
    } catch (error) {
        await removeBuildDirectory(partial);
        if (error instanceof BenchError && error.code === "BENCH_BASE_BUILD_FAILED") throw error;
        throw new BenchError("BENCH_BASE_BUILD_FAILED", `cannot build the ${suite} base: ${(error as Error).message}`, { cause: error });
    }
}
