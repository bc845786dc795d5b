// Repositories offered to the hosts through the bench's git daemon (git://<management address>/<name>).

import * as fs from "node:fs";
import * as path from "node:path";
import { BenchError } from "./errors";
import { run } from "./exec";
import { benchPaths } from "./naming";
import { BENCH_NAME_PATTERN, managementAddresses } from "./plan";
import { gitBaseUrl } from "./services";
import { readRuntimeState } from "./state";

export const REPOSITORY_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Places a bare copy of `sourceDir` under the bench's git dir (or updates it: every branch and tag,
 * pruned) and returns the URL the hosts clone from, e.g. `git://198.19.0.1/iperf`.
 */
export async function offerGitRepository(benchName: string, repoName: string, sourceDir: string): Promise<string> {
    if (!BENCH_NAME_PATTERN.test(benchName)) throw new BenchError("BENCH_NAME_INVALID", `invalid bench name ${JSON.stringify(benchName)}`);
    if (!REPOSITORY_NAME_PATTERN.test(repoName) || repoName.endsWith(".git") || repoName.includes("..")) {
        throw new BenchError("BENCH_REPOSITORY_INVALID", `invalid repository name ${JSON.stringify(repoName)}`);
    }
    const source = path.resolve(sourceDir);
    if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
        throw new BenchError("BENCH_REPOSITORY_INVALID", `no repository at ${source}`);
    }
    const state = readRuntimeState(benchName);
    if (!state) throw new BenchError("BENCH_ABSENT", `bench ${benchName} is not up`);
    const gitDir = benchPaths(benchName).gitDir;
    const target = path.join(gitDir, `${repoName}.git`);
    // The source may belong to another user: trust it for this command only.
    const trust = ["-c", "safe.directory=*"];
    fs.mkdirSync(gitDir, { recursive: true, mode: 0o755 });
    if (fs.existsSync(target)) {
        await run("git", [...trust, "--git-dir", target, "fetch", "--quiet", "--prune", "--force", "--", source, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"], {
            timeoutMs: 600_000,
        });
    } else {
        const temporary = `${target}.${process.pid}.tmp`;
        fs.rmSync(temporary, { recursive: true, force: true });
        try {
            await run("git", [...trust, "clone", "--bare", "--quiet", "--", source, temporary], { timeoutMs: 600_000 });
            fs.renameSync(temporary, target);
        } catch (error) {
            fs.rmSync(temporary, { recursive: true, force: true });
            throw new BenchError("BENCH_REPOSITORY_INVALID", `cannot offer ${source} as ${repoName}: ${(error as Error).message}`, { cause: error });
        }
    }
    return `${gitBaseUrl(managementAddresses(state.plan).bridge)}/${repoName}`;
}
