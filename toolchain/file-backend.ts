// The local file backend, as far as mptcp-lab looks into it: whether a stack exists, and the
// stack's state through Pulumi's own export. No Automation API here: loading it costs the command
// line 75 MiB and half a second, which `drift` does not need.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { engineEnvironment, pulumiRoot, repositoryRoot, toolchainPaths } from "./index";

/**
 * Whether the local file backend holds the project's stack, from its checkpoint file; undefined
 * for another backend. This is all `pulumi stack select` checks before a command that names the
 * stack with `--stack`, as every Automation API command does.
 */
export function stackInFileBackend(backendUrl: string, workDir: string, stackName: string): boolean | undefined {
    if (!backendUrl.startsWith("file://")) return undefined;
    const project = /^name:\s*([A-Za-z0-9_.-]+)\s*$/m.exec(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8"))?.[1];
    if (!project) return undefined;
    const dir = path.join(backendUrl.slice("file://".length), ".pulumi", "stacks", project);
    return [".json", ".json.gz"].some((extension) => fs.existsSync(path.join(dir, `${stackName}${extension}`)));
}

/** `pulumi stack export --show-secrets` of a lab stack; undefined when the stack does not exist. */
export function exportLabStack(stackName: string, workDir = repositoryRoot): Promise<{ deployment: unknown } | undefined> {
    const paths = toolchainPaths();
    const environment = engineEnvironment(paths);
    if (stackInFileBackend(environment.PULUMI_BACKEND_URL, workDir, stackName) === false) return Promise.resolve(undefined);
    const args = ["stack", "export", "--show-secrets", "--stack", stackName];
    return new Promise((resolve, reject) => {
        execFile(path.join(pulumiRoot(paths), "bin", "pulumi"), args, { cwd: workDir, env: { ...process.env, ...environment }, maxBuffer: 256 * 2 ** 20 }, (error, stdout, stderr) => {
            if (!error) return resolve(JSON.parse(stdout) as { deployment: unknown });
            // The CLI's words for a stack that does not exist (the Automation API's StackNotFoundError matches them too).
            if (/no stack named .* found/.test(stderr)) return resolve(undefined);
            reject(new Error(`pulumi ${args.join(" ")}: ${stderr.trim() || error.message}`, { cause: error }));
        });
    });
}
