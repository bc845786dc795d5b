// Opens stacks through the Automation API with the pinned CLI and the offline environment.
import { createRequire } from "module";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { exportLabStack, stackInFileBackend } from "./file-backend";
import { asOutputMap, recordedStackOutputs } from "./recorded-state";
import { engineEnvironment, pulumiRoot, type ToolchainPaths, toolchainPaths } from "./index";

export interface StackLocation {
    /** Folder holding Pulumi.yaml. */
    workDir: string;
    stackName: string;
}

const pulumiCommands = new Map<string, Promise<PulumiCommand>>();

/** PulumiCommand's constructor, which the SDK's types keep private. */
const PulumiCommandOf = PulumiCommand as unknown as new (command: string, version: import("semver").SemVer) => PulumiCommand;

/** The CLI's version as the Automation API keeps it: a SemVer of the SDK's own semver package. */
function sdkSemVer(version: string): import("semver").SemVer {
    const fromSdk = createRequire(require.resolve("@pulumi/pulumi/automation"));
    return new (fromSdk("semver") as typeof import("semver")).SemVer(version);
}

/**
 * The pinned CLI. The toolchain's own build is the pinned version (the bootstrap builds it so, and
 * a test checks it), so it needs no `pulumi version` call (a third of a second of Go start-up on
 * every command); `PulumiCommand.get` runs one for a `pulumi` found on PATH, once per root.
 */
function pulumiCommandAt(root: string, paths: ToolchainPaths): Promise<PulumiCommand> {
    if (root === path.dirname(paths.binDir)) return Promise.resolve(new PulumiCommandOf(path.join(paths.binDir, "pulumi"), sdkSemVer(paths.pulumiVersion)));
    let command = pulumiCommands.get(root);
    if (!command) {
        command = PulumiCommand.get({ root });
        pulumiCommands.set(root, command);
        // A failed check is not kept: the next open tries again.
        command.catch(() => pulumiCommands.delete(root));
    }
    return command;
}

async function workspaceOptions() {
    const paths = toolchainPaths();
    return { pulumiCommand: await pulumiCommandAt(pulumiRoot(paths), paths), envVars: engineEnvironment(paths) };
}

/**
 * An existing stack without `pulumi stack select` (a quarter of a second of CLI start-up per
 * command): the file backend's checkpoint says that it exists. Undefined when it does not, or
 * when the backend is not a local folder: the caller then asks the CLI.
 */
async function existingStack(location: StackLocation): Promise<Stack | undefined> {
    const options = await workspaceOptions();
    if (!stackInFileBackend(options.envVars.PULUMI_BACKEND_URL, location.workDir, location.stackName)) return undefined;
    const workspace = await LocalWorkspace.create({ ...options, workDir: location.workDir });
    workspace.selectStack = async () => undefined;
    return Stack.select(location.stackName, workspace);
}

/** Selects the stack, creating it on first use. */
export async function openStack(location: StackLocation): Promise<Stack> {
    return (await existingStack(location)) ?? LocalWorkspace.createOrSelectStack(location, await workspaceOptions());
}

/** Selects a stack that exists; it never creates one (it throws StackNotFoundError). */
export async function selectStack(location: StackLocation): Promise<Stack> {
    return (await existingStack(location)) ?? LocalWorkspace.selectStack(location, await workspaceOptions());
}

/**
 * The stack, with results that cost no CLI call: after an update the Automation API runs `pulumi
 * stack output` twice (masked, then in plain text, to flag which values are secret) and `pulumi
 * stack history` for a summary, a quarter of a second each. mptcp-lab reads only the outputs'
 * values, so `outputs()` reads them from the state in this process (toolchain/file-backend.ts)
 * and `info()` gives none.
 */
export function withOutputsOnly(stack: Stack): Stack {
    const workspace = stack.workspace;
    stack.outputs = async () => {
        // The workspace's environment is the engine's (workspaceOptions), PULUMI_HOME included.
        const exported = await exportLabStack(stack.name, workspace.workDir, workspace.envVars);
        if (!exported) throw new Error(`no stack named ${stack.name} in the backend`);
        return asOutputMap(recordedStackOutputs(exported));
    };
    stack.info = async () => undefined;
    return stack;
}
