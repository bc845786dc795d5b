// What the machine needs before a bench can run, checked before anything is changed. Facts are
// gathered in one place and judged by a pure function, so that the judgement is unit-tested.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type BenchProblem, throwIfProblems } from "./errors";
import { SYSTEM_PATH, systemEnvironment } from "./exec";

/** Each tool the bench runs on the machine, and the Debian package that provides it. */
export const REQUIRED_TOOLS: Readonly<Record<string, string>> = {
    bash: "bash",
    ip: "iproute2",
    tc: "iproute2",
    unshare: "util-linux",
    nsenter: "util-linux",
    mount: "mount",
    umount: "mount",
    chroot: "coreutils",
    sysctl: "procps",
    debootstrap: "debootstrap",
    "apt-cacher-ng": "apt-cacher-ng",
    git: "git",
    "ssh-keygen": "openssh-client",
    nft: "nftables",
    "systemd-nspawn": "systemd-container",
};

/**
 * The oldest systemd-nspawn the hosts are booted with: Debian 11's. Every option the bench passes
 * (--network-namespace-path, --console, --hostname, --resolv-conf, --timezone) is older.
 */
export const MINIMUM_NSPAWN_VERSION = 247;

const REQUIRED_NAMESPACES = ["net", "mnt", "uts", "pid"];

export interface PrerequisiteFacts {
    readonly uid: number;
    /** Content of /proc/sys/net/mptcp/enabled, or undefined when the file is absent. */
    readonly mptcpEnabled: string | undefined;
    /** Namespace kinds in /proc/self/ns. */
    readonly namespaces: readonly string[];
    /** File system types the kernel knows (/proc/filesystems). */
    readonly filesystems: readonly string[];
    /** Tools of REQUIRED_TOOLS not found on the system PATH. */
    readonly missingTools: readonly string[];
    /** The major version `systemd-nspawn --version` prints, or undefined when it prints none. */
    readonly nspawnVersion: number | undefined;
}

function readOrUndefined(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

function isExecutableOnSystemPath(tool: string): boolean {
    return SYSTEM_PATH.split(":").some((directory) => {
        try {
            fs.accessSync(path.join(directory, tool), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

/** `systemd 252 (252.39-1~deb12u2)` -> 252; undefined when nspawn is absent or says something else. */
export function parseNspawnVersion(output: string): number | undefined {
    const match = /^systemd (\d+)\b/m.exec(output);
    return match ? Number(match[1]) : undefined;
}

function nspawnVersion(): number | undefined {
    try {
        return parseNspawnVersion(execFileSync("systemd-nspawn", ["--version"], { encoding: "utf8", env: systemEnvironment(), timeout: 10_000 }));
    } catch {
        return undefined;
    }
}

export function gatherPrerequisiteFacts(): PrerequisiteFacts {
    const filesystems = (readOrUndefined("/proc/filesystems") ?? "").split("\n").map((line) => line.split("\t").at(-1)?.trim() ?? "");
    const missingTools = Object.keys(REQUIRED_TOOLS).filter((tool) => !isExecutableOnSystemPath(tool));
    return {
        uid: process.getuid?.() ?? -1,
        mptcpEnabled: readOrUndefined("/proc/sys/net/mptcp/enabled")?.trim(),
        namespaces: fs.existsSync("/proc/self/ns") ? fs.readdirSync("/proc/self/ns") : [],
        filesystems: filesystems.filter(Boolean),
        missingTools,
        nspawnVersion: missingTools.includes("systemd-nspawn") ? undefined : nspawnVersion(),
    };
}

/** Every missing prerequisite, each with what to do about it. */
export function findPrerequisiteProblems(facts: PrerequisiteFacts): BenchProblem[] {
    const problems: BenchProblem[] = [];
    if (facts.uid !== 0) problems.push({ code: "BENCH_NOT_ROOT", path: "user", value: facts.uid, expected: "root (uid 0)" });
    if (facts.mptcpEnabled !== "1") {
        problems.push({ code: "BENCH_NO_MPTCP", path: "/proc/sys/net/mptcp/enabled", value: facts.mptcpEnabled ?? "absent", expected: "1" });
    }
    const missingNamespaces = REQUIRED_NAMESPACES.filter((kind) => !facts.namespaces.includes(kind));
    if (missingNamespaces.length > 0) {
        problems.push({ code: "BENCH_NO_NAMESPACES", path: "/proc/self/ns", value: missingNamespaces, expected: REQUIRED_NAMESPACES.join(", ") });
    }
    if (!facts.filesystems.includes("overlay")) problems.push({ code: "BENCH_NO_OVERLAYFS", path: "/proc/filesystems", expected: "overlay" });
    for (const tool of facts.missingTools) {
        const debianPackage = REQUIRED_TOOLS[tool] ?? tool;
        problems.push({
            code: "BENCH_TOOL_MISSING",
            path: tool,
            expected: `${tool} on ${SYSTEM_PATH}`,
            hint: `apt-get install ${debianPackage} (or npm run bootstrap, which installs scripts/debian-packages.txt)`,
        });
    }
    if (!facts.missingTools.includes("systemd-nspawn") && (facts.nspawnVersion === undefined || facts.nspawnVersion < MINIMUM_NSPAWN_VERSION)) {
        problems.push({
            code: "BENCH_NSPAWN_TOO_OLD",
            path: "systemd-nspawn --version",
            value: facts.nspawnVersion ?? "unreadable",
            expected: `systemd ${MINIMUM_NSPAWN_VERSION} or later`,
        });
    }
    return problems;
}

/** Throws BENCH_PREREQUISITE_MISSING listing every missing prerequisite; changes nothing. */
export async function checkBenchPrerequisites(): Promise<void> {
    throwIfProblems("BENCH_PREREQUISITE_MISSING", "the machine cannot run a bench", findPrerequisiteProblems(gatherPrerequisiteFacts()));
}
