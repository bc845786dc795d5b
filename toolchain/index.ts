// The pinned Pulumi toolchain as the Automation API sees it: the same paths and offline
// environment as scripts/lib/toolchain-env.sh, which scripts/bootstrap.sh fills in.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const repositoryRoot = path.resolve(__dirname, "..");

/** Reads toolchain/versions.env (KEY=VALUE lines, `#` comments). */
export function readPinnedVersions(file = path.join(__dirname, "versions.env")): Record<string, string> {
    const versions: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const match = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
        if (match) versions[match[1]] = match[2];
    }
    return versions;
}

export interface ToolchainPaths {
    pulumiVersion: string;
    /** Folder holding a Go-built `pulumi`; absent when a pinned `pulumi` on PATH is used instead. */
    binDir: string;
    /** mptcp-lab's cache on this machine: the toolchain, git mirrors. */
    cacheRoot: string;
    stateRoot: string;
    backendUrl: string;
    passphraseFile: string;
    pulumiHome: string;
}

export function toolchainPaths(environment: NodeJS.ProcessEnv = process.env): ToolchainPaths {
    const home = environment.HOME ?? os.homedir();
    const cacheRoot = path.join(environment.XDG_CACHE_HOME || path.join(home, ".cache"), "mptcp-lab");
    const stateRoot = path.join(environment.XDG_STATE_HOME || path.join(home, ".local", "state"), "mptcp-lab");
    const pulumiVersion = readPinnedVersions().PULUMI_VERSION;
    return {
        pulumiVersion,
        binDir: path.join(cacheRoot, "toolchain", `v${pulumiVersion}`, "bin"),
        cacheRoot,
        stateRoot,
        backendUrl: `file://${path.join(stateRoot, "pulumi-state")}`,
        passphraseFile: path.join(stateRoot, "passphrase"),
        pulumiHome: path.join(stateRoot, "pulumi-home"),
    };
}

/** Environment for every engine run: offline, local state, secrets under the machine's passphrase. */
export function engineEnvironment(paths = toolchainPaths()): Record<string, string> {
    return {
        PATH: `${paths.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: paths.pulumiHome,
        PULUMI_BACKEND_URL: paths.backendUrl,
        PULUMI_CONFIG_PASSPHRASE_FILE: paths.passphraseFile,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // `npm test` type-checks the program; the engine need not do it again on every run.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        NODE_OPTIONS: engineNodeOptions(process.env.NODE_OPTIONS),
    };
}

/**
 * V8's young generation of mptcp-lab's Node processes, in MiB per semi-space (V8's default is 16):
 * the program and the providers allocate little that lives long, and a smaller nursery cuts the
 * program's peak by about 25 MiB with no measurable CPU cost. Also in cli/mptcp-lab and Pulumi.yaml.
 */
export const SEMI_SPACE_MIB = 2;

/**
 * NODE_OPTIONS for the engine's Node processes (the program, the dynamic providers): as given,
 * plus the preload of toolchain/lazy-modules.js (they load the TypeScript compiler and npm's
 * arborist only if they use them, and they never do) and the smaller young generation, each once.
 */
export function engineNodeOptions(given = ""): string {
    const added = [`--require ${JSON.stringify(path.join(__dirname, "lazy-modules.js"))}`, `--max-semi-space-size=${SEMI_SPACE_MIB}`];
    return [given, ...added.filter((option) => !given.includes(option))].join(" ").trim();
}

export class ToolchainMissingError extends Error {
    readonly code = "toolchain-missing";
    readonly hint = "run `npm run bootstrap` (it builds or finds the pinned Pulumi toolchain)";
}

/** The folder whose `pulumi` the Automation API should run, after checking that bootstrap ran. */
export function pulumiRoot(paths = toolchainPaths()): string {
    if (fs.existsSync(path.join(paths.binDir, "pulumi"))) return path.dirname(paths.binDir);
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir && fs.existsSync(path.join(dir, "pulumi"))) return path.dirname(dir);
    }
    throw new ToolchainMissingError(`no pulumi ${paths.pulumiVersion} in ${paths.binDir} nor on PATH`);
}
