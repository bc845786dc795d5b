// The controller's mirrors of the lab's git repositories (iperf3's), kept in its cache. A mirror
// is seeded from a bundle of the offline sources when they have one for the URL (machines without
// GitHub), otherwise cloned from the URL; the emulated bench's git daemon, or a classroom
// controller's, serves it to the hosts under the lab's own URL (git's insteadOf).
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { offlineArchive, offlineSourcesDir } from "./offline-sources";
import { toolchainPaths } from "./index";

const run = promisify(execFile);

/** Bundles of the offline sources, by the repository URL they copy. */
export const offlineBundles: Readonly<Record<string, string>> = {
    "https://github.com/esnet/iperf.git": "esnet-iperf.bundle",
};

export class GitMirrorError extends Error {
    readonly code = "git-mirror-failed";
    constructor(
        message: string,
        readonly hint: string,
        options?: { cause?: unknown },
    ) {
        super(message, options);
    }
}

/** A served name for a repository URL: `https://github.com/esnet/iperf.git` -> `esnet-iperf`. */
export function mirrorName(repository: string): string {
    const url = new URL(repository);
    const parts = url.pathname.replace(/\.git$/, "").split("/").filter(Boolean);
    const name = parts.slice(-2).join("-").toLowerCase().replace(/[^a-z0-9._-]/g, "-").replace(/^[^a-z0-9]+/, "");
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name) || name.includes("..")) throw new GitMirrorError(`cannot name a mirror of ${repository}`, "use a repository URL whose path ends in owner/name");
    return name;
}

export function mirrorPath(repository: string, cacheRoot = toolchainPaths().cacheRoot): string {
    return path.join(cacheRoot, "git-mirrors", `${mirrorName(repository)}.git`);
}

async function git(args: string[], timeoutMs = 300_000): Promise<string> {
    const { stdout } = await run("git", ["-c", "safe.directory=*", ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
}

/** Whether the bare repository at `gitDir` has `tag`, pointing at a commit. */
export async function hasTag(gitDir: string, tag: string): Promise<boolean> {
    return git(["--git-dir", gitDir, "rev-parse", "-q", "--verify", `refs/tags/${tag}^{commit}`]).then(
        () => true,
        () => false,
    );
}

/** The bare repository's newest version tags, newest first. */
export async function newestTags(gitDir: string, count = 5): Promise<string[]> {
    const listed = await git(["--git-dir", gitDir, "tag", "--list", "--sort=-version:refname"]).catch(() => "");
    return listed.split("\n").filter(Boolean).slice(0, count);
}

export interface MirrorResult {
    /** The bare mirror on this machine. */
    path: string;
    /** Where its refs came from this time: kept as they were, a bundle, or the URL. */
    source: "cache" | "bundle" | "network";
}

/**
 * A bare mirror of `repository` that has `tag`, created or brought up to date: from the cache
 * when it has the tag, else from the offline sources' bundle for the URL, else from the URL.
 */
export async function ensureMirror(repository: string, tag: string, target = mirrorPath(repository)): Promise<MirrorResult> {
    if (fs.existsSync(target) && (await hasTag(target, tag))) return { path: target, source: "cache" };
    const bundleName = offlineBundles[repository];
    const bundle = bundleName ? await offlineArchive(bundleName) : undefined;
    const from = bundle ?? repository;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
        if (fs.existsSync(target)) {
            await git(["--git-dir", target, "fetch", "--quiet", "--force", "--tags", "--", from, "+refs/heads/*:refs/heads/*"]);
        } else {
            const temporary = `${target}.${process.pid}.tmp`;
            fs.rmSync(temporary, { recursive: true, force: true });
            try {
                await git(["clone", "--quiet", "--mirror", "--", from, temporary]);
                // The mirror answers for the lab's URL, whatever it was seeded from.
                await git(["--git-dir", temporary, "remote", "set-url", "origin", "--", repository]);
                fs.renameSync(temporary, target);
            } finally {
                fs.rmSync(temporary, { recursive: true, force: true });
            }
        }
    } catch (error) {
        const dir = offlineSourcesDir();
        const reason = (error as Error).message.trim().split("\n").pop();
        // A mirror that exists but lacks the tag: say which tags it has, not only that a refresh failed.
        const missing = fs.existsSync(target) ? `tag ${tag} is not in this machine's mirror of ${repository} (newest tags there: ${(await newestTags(target)).join(", ") || "none"}), and ` : "";
        throw new GitMirrorError(
            `${missing}cannot mirror ${repository} from ${from}: ${reason}`,
            bundleName
                ? `this machine cannot reach ${repository}: put ${bundleName} in ${dir ?? "a directory"} and set MPTCP_LAB_OFFLINE_SOURCES to it`
                : `check that ${repository} is reachable from this machine, or use a repository URL it can reach`,
            { cause: error },
        );
    }
    return { path: target, source: bundle ? "bundle" : "network" };
}
