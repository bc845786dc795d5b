// The local file backend, as far as mptcp-lab looks into it: whether a stack exists, and the
// stack's state as `pulumi stack export --show-secrets` prints it, read from the checkpoint file
// in this process. No Automation API here: loading it costs the command line 75 MiB and half a
// second, which `drift` does not need; nor a CLI process per stack, which costs `drift --all` of
// a classroom its deriving of one passphrase key per process.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { engineEnvironment, pulumiRoot, repositoryRoot, toolchainPaths } from "./index";
import { configuredPassphrase, type Decrypt, passphraseDecrypter } from "./passphrase-secrets";

/** The key and value that mark a secret in Pulumi's serialised state (sdk/go/common/resource/sig). */
export const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** The stack's checkpoint files the file backend may hold (plain or gzipped); undefined for another backend. */
function checkpointFiles(backendUrl: string, workDir: string, stackName: string): string[] | undefined {
    if (!backendUrl.startsWith("file://")) return undefined;
    const project = /^name:\s*([A-Za-z0-9_.-]+)\s*$/m.exec(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8"))?.[1];
    if (!project) return undefined;
    const dir = path.join(backendUrl.slice("file://".length), ".pulumi", "stacks", project);
    return [".json", ".json.gz"].map((extension) => path.join(dir, `${stackName}${extension}`));
}

/**
 * Whether the local file backend holds the project's stack, from its checkpoint file; undefined
 * for another backend. This is all `pulumi stack select` checks before a command that names the
 * stack with `--stack`, as every Automation API command does.
 */
export function stackInFileBackend(backendUrl: string, workDir: string, stackName: string): boolean | undefined {
    return checkpointFiles(backendUrl, workDir, stackName)?.some((file) => fs.existsSync(file));
}

/** A stack's state as `pulumi stack export` prints it. */
export interface ExportedState {
    version?: number;
    deployment: unknown;
}

type Deployment = { secrets_providers?: { type?: unknown; state?: { salt?: unknown } } } & Record<string, unknown>;

/**
 * Replaces, in place, every secret's ciphertext in `value` with `reveal` of it, as --show-secrets
 * prints it. In place: a lab's checkpoint is a quarter of a megabyte, and `drift --all` reads many.
 */
function revealInPlace(value: unknown, reveal: Decrypt): void {
    if (value === null || typeof value !== "object") return;
    const items = value as Record<string, unknown>;
    for (const key of Object.keys(items)) {
        const item = items[key] as Record<string, unknown> | null;
        if (item === null || typeof item !== "object") continue;
        if (item[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE && typeof item.ciphertext === "string") {
            items[key] = { [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, plaintext: revealNested(reveal(item.ciphertext)) };
        } else revealInPlace(item, reveal);
    }
}

/**
 * A secret's plain JSON with the secrets inside it marked as --show-secrets prints them. A secret
 * can hold secrets (@pulumi/command's connection holds its private key as one); Pulumi does not
 * encrypt those twice, and their `ciphertext` is already plain (SerializePropertyValue's NopEncrypter).
 */
function revealNested(plaintext: string): string {
    if (!plaintext.includes(SECRET_SIGNATURE)) return plaintext;
    const holder = { value: JSON.parse(plaintext) as unknown };
    revealInPlace(holder, (alreadyPlain) => alreadyPlain);
    return JSON.stringify(holder.value);
}

/**
 * The deployment of a checkpoint file (format version 3), secrets decrypted under the passphrase
 * provider; undefined for anything else (another version or secrets provider), which the CLI reads.
 */
async function readCheckpoint(file: string, environment: Readonly<Record<string, string | undefined>>): Promise<ExportedState | undefined> {
    const bytes = fs.readFileSync(file);
    const text = (file.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8");
    const checkpoint = JSON.parse(text) as { version?: unknown; checkpoint?: { latest?: Deployment | null } };
    if (checkpoint.version !== 3 || typeof checkpoint.checkpoint !== "object" || checkpoint.checkpoint === null) return undefined;
    const deployment = checkpoint.checkpoint.latest ?? {};
    // Every secret carries the signature: a state without it has nothing to decrypt.
    if (!text.includes(SECRET_SIGNATURE)) return { version: 3, deployment };
    const provider = deployment.secrets_providers;
    if (provider?.type !== "passphrase" || typeof provider.state?.salt !== "string") return undefined;
    const { passphrase, file: passphraseFile } = configuredPassphrase(environment);
    revealInPlace(deployment, await passphraseDecrypter(passphrase, provider.state.salt, passphraseFile));
    return { version: 3, deployment };
}

function exportThroughCli(stackName: string, workDir: string, environment: NodeJS.ProcessEnv): Promise<ExportedState | undefined> {
    const args = ["stack", "export", "--show-secrets", "--stack", stackName];
    return new Promise((resolve, reject) => {
        execFile(path.join(pulumiRoot(toolchainPaths()), "bin", "pulumi"), args, { cwd: workDir, env: environment, maxBuffer: 256 * 2 ** 20 }, (error, stdout, stderr) => {
            if (!error) return resolve(JSON.parse(stdout) as ExportedState);
            // The CLI's words for a stack that does not exist (the Automation API's StackNotFoundError matches them too).
            if (/no stack named .* found/.test(stderr)) return resolve(undefined);
            reject(new Error(`pulumi ${args.join(" ")}: ${stderr.trim() || error.message}`, { cause: error }));
        });
    });
}

/**
 * A lab stack's state as `pulumi stack export --show-secrets` gives it (its resources, secrets in
 * plain text); undefined when the stack does not exist. Read from the file backend's checkpoint
 * when it is one Pulumi 3 writes, otherwise through the CLI.
 */
export async function exportLabStack(stackName: string, workDir = repositoryRoot, engine = engineEnvironment(toolchainPaths())): Promise<ExportedState | undefined> {
    const environment = { ...process.env, ...engine };
    const files = checkpointFiles(engine.PULUMI_BACKEND_URL, workDir, stackName);
    if (files) {
        const file = files.find((candidate) => fs.existsSync(candidate));
        if (!file) return undefined;
        const read = await readCheckpoint(file, environment);
        if (read) return read;
    }
    return exportThroughCli(stackName, workDir, environment);
}
