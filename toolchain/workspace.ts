// Opens stacks through the Automation API with the pinned CLI and the offline environment.
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { engineEnvironment, pulumiRoot, toolchainPaths } from "./index";

export interface StackLocation {
    /** Folder holding Pulumi.yaml. */
    workDir: string;
    stackName: string;
}

const pulumiCommands = new Map<string, Promise<PulumiCommand>>();

/** The pinned CLI; `PulumiCommand.get` runs `pulumi version`, so once per root is enough. */
function pulumiCommandAt(root: string): Promise<PulumiCommand> {
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
    return { pulumiCommand: await pulumiCommandAt(pulumiRoot(paths)), envVars: engineEnvironment(paths) };
}

/** Selects the stack, creating it on first use. */
export async function openStack(location: StackLocation): Promise<Stack> {
    return LocalWorkspace.createOrSelectStack(location, await workspaceOptions());
}

/** Selects a stack that exists; it never creates one (it throws StackNotFoundError). */
export async function selectStack(location: StackLocation): Promise<Stack> {
    return LocalWorkspace.selectStack(location, await workspaceOptions());
}
