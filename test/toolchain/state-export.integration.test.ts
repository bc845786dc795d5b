// A stack's state read in this process (toolchain/file-backend.ts) is what the pinned CLI's
// `pulumi stack export --show-secrets` prints, secrets decrypted, for a checkpoint the CLI wrote
// plain and gzipped. The CLI makes the state: `stack init`, then `stack import` of secrets.
import test, { type ExecutionContext } from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pulumiRoot, toolchainPaths } from "../../toolchain";
import { exportLabStack, SECRET_SIGNATURE, SECRET_SIGNATURE_KEY } from "../../toolchain/file-backend";
import { recordedResources } from "../../toolchain/recorded-state";

const pulumi = path.join(pulumiRoot(toolchainPaths()), "bin", "pulumi");
const secret = (value: unknown) => ({ [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, plaintext: JSON.stringify(value) });

interface Backend {
    workDir: string;
    engine: Record<string, string>;
    cli(...args: string[]): string;
}

function scratchBackend(t: ExecutionContext, extra: Record<string, string> = {}): Backend {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-state-export-"));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    const workDir = path.join(root, "project");
    fs.mkdirSync(workDir);
    fs.mkdirSync(path.join(root, "state"));
    fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: mptcp-lab\nruntime: nodejs\n");
    fs.writeFileSync(path.join(root, "passphrase"), "a passphrase for this test only\n", { mode: 0o600 });
    const engine = {
        PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
        PULUMI_CONFIG_PASSPHRASE_FILE: path.join(root, "passphrase"),
        PULUMI_HOME: path.join(root, "home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        ...extra,
    };
    const cli = (...args: string[]) => execFileSync(pulumi, [...args, "--non-interactive"], { cwd: workDir, env: { ...process.env, ...engine }, encoding: "utf8" });
    return { workDir, engine, cli };
}

/** An export with its resources left out (they are compared by value). */
function withoutResources(exported: { deployment: unknown }): unknown {
    const deployment: Record<string, unknown> = { ...(exported.deployment as Record<string, unknown>) };
    delete deployment.resources;
    return { ...exported, deployment };
}

/** A stack whose state holds secrets, made by the CLI's own init and import. */
function stackWithSecrets(backend: Backend, name: string): void {
    backend.cli("stack", "init", name);
    const initial = JSON.parse(backend.cli("stack", "export", "--stack", name)) as { deployment: Record<string, unknown> };
    const resources = [
        {
            urn: `urn:pulumi:${name}::mptcp-lab::pulumi:pulumi:Stack::mptcp-lab-${name}`,
            custom: false,
            type: "pulumi:pulumi:Stack",
            outputs: {
                hostName: "client",
                connection: secret({ host: "198.18.0.2", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n" }),
                ports: [secret(5201), 22],
                // A secret inside a secret, as @pulumi/command's connection holds its private key.
                commandConnection: secret({ host: "198.18.0.3", port: 22, privateKey: secret("-----BEGIN OPENSSH PRIVATE KEY-----\nBBBB\n") }),
            },
        },
    ];
    const file = path.join(backend.workDir, "import.json");
    fs.writeFileSync(file, JSON.stringify({ version: 3, deployment: { ...initial.deployment, resources } }));
    backend.cli("stack", "import", "--file", file, "--stack", name);
}

for (const [label, extra, extension] of [
    ["plain", {}, ".json"],
    ["gzipped", { PULUMI_DIY_BACKEND_GZIP: "true" }, ".json.gz"],
] as const) {
    test(`a ${label} checkpoint reads as the CLI's export with --show-secrets`, async (t) => {
        const backend = scratchBackend(t, extra);
        stackWithSecrets(backend, "lab");
        t.true(fs.existsSync(path.join(backend.engine.PULUMI_BACKEND_URL.slice("file://".length), ".pulumi", "stacks", "mptcp-lab", `lab${extension}`)));
        const fromCli = JSON.parse(backend.cli("stack", "export", "--show-secrets", "--stack", "lab")) as { deployment: { resources: unknown[] } };
        const inProcess = await exportLabStack("lab", backend.workDir, backend.engine);
        t.truthy(inProcess);
        // The same values; a nested secret's JSON text may differ in Go's escaping only.
        t.deepEqual(recordedResources(inProcess!), recordedResources(fromCli));
        t.like(recordedResources(inProcess!)[0].outputs, { commandConnection: { host: "198.18.0.3", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nBBBB\n" }, ports: [5201, 22] });
        t.deepEqual(withoutResources(inProcess!), withoutResources(fromCli), "the manifest, the secrets provider and the version as the CLI gives them");
    });
}

test("a wrong passphrase is named, and a stack that was never made reads as undefined", async (t) => {
    const backend = scratchBackend(t);
    stackWithSecrets(backend, "lab");
    t.is(await exportLabStack("never-made", backend.workDir, backend.engine), undefined);
    fs.writeFileSync(backend.engine.PULUMI_CONFIG_PASSPHRASE_FILE, "not the passphrase\n");
    await t.throwsAsync(exportLabStack("lab", backend.workDir, backend.engine), { message: /incorrect passphrase/ });
});
