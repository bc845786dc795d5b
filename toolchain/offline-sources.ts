// The offline sources directory: upstream archives and bundles a machine without GitHub reads
// instead (see toolchain/offline-sources.sha256, which scripts/bootstrap.sh reads too).
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const pinsFile = path.join(__dirname, "offline-sources.sha256");

export class OfflineSourceError extends Error {
    constructor(
        readonly code: "offline-source-missing" | "offline-source-mismatch",
        message: string,
        readonly hint: string,
    ) {
        super(message);
    }
}

/**
 * The checkout a clone was made from, when its origin is a folder on this machine (`git clone
 * /work/main`, `git clone .`); undefined for a remote origin or none.
 */
function localOrigin(repositoryRoot: string): string | undefined {
    let origin: string;
    try {
        origin = execFileSync("git", ["-C", repositoryRoot, "remote", "get-url", "origin"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        return undefined;
    }
    const folder = origin.startsWith("file://") ? origin.slice("file://".length) : origin;
    if (!path.isAbsolute(folder)) return undefined;
    const resolved = path.resolve(folder);
    return path.basename(resolved) === ".git" ? path.dirname(resolved) : resolved;
}

/**
 * MPTCP_LAB_OFFLINE_SOURCES, else ../shared/vendor beside the checkout when it exists, else beside
 * the local checkout it was cloned from (a fresh clone for CI or a classroom copy finds the
 * machine's offline sources where its origin does).
 */
export function offlineSourcesDir(environment: NodeJS.ProcessEnv = process.env, repositoryRoot = path.resolve(__dirname, "..")): string | undefined {
    const configured = environment.MPTCP_LAB_OFFLINE_SOURCES;
    if (configured) return path.resolve(configured);
    const besideOf = (checkout: string) => path.resolve(checkout, "..", "shared", "vendor");
    if (fs.existsSync(besideOf(repositoryRoot))) return besideOf(repositoryRoot);
    const origin = localOrigin(repositoryRoot);
    return origin !== undefined && fs.existsSync(besideOf(origin)) ? besideOf(origin) : undefined;
}

/** The pinned sha256 of each archive, by file name. */
export function pinnedSha256s(file = pinsFile): Record<string, string> {
    const pins: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const match = /^([0-9a-f]{64})\s+(\S+)$/.exec(line.trim());
        if (match) pins[match[2]] = match[1];
    }
    return pins;
}

function sha256Of(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const hash = crypto.createHash("sha256");
        fs.createReadStream(file)
            .on("data", (chunk) => hash.update(chunk))
            .on("error", reject)
            .on("end", () => resolve(hash.digest("hex")));
    });
}

/**
 * The path of an archive of the offline sources after checking its sha256 against the pinned
 * one; undefined when there is no such directory or it lacks the archive.
 */
export async function offlineArchive(name: string, dir = offlineSourcesDir()): Promise<string | undefined> {
    if (dir === undefined) return undefined;
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return undefined;
    const want = pinnedSha256s()[name];
    if (!want) throw new OfflineSourceError("offline-source-mismatch", `${name} has no pinned sha256`, "add the upstream archive's sha256 to toolchain/offline-sources.sha256");
    const have = await sha256Of(file);
    if (have !== want) {
        throw new OfflineSourceError(
            "offline-source-mismatch",
            `${file} has sha256 ${have}, not the pinned ${want}`,
            `replace it with the upstream file described in ${path.join(dir, "README.md")}, or point MPTCP_LAB_OFFLINE_SOURCES elsewhere`,
        );
    }
    return file;
}
