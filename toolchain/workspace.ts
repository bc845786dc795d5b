// Opens stacks through the Automation API with the pinned CLI and the offline environment.
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { engineEnvironment, pulumiRoot, toolchainPaths } from "./index";

export interface StackLocation {
    /** Folder holding Pulumi.yaml. */
    workDir: string;
    stackName: string;
}

/** Selects the stack, creating it on first use. */
export async function openStack(location: StackLocation): Promise<Stack> {
    const paths = toolchainPaths();
    const pulumiCommand = await PulumiCommand.get({ root: pulumiRoot(paths) });
    return LocalWorkspace.createOrSelectStack(location, { pulumiCommand, envVars: engineEnvironment(paths) });
}
