// The lab stacks as files: stacks/Pulumi.<name>.yaml, and which of them a command line selects.
// No Automation API here (see toolchain/file-backend.ts).
import * as fs from "fs";
import * as path from "path";
import { repositoryRoot } from "../toolchain";
import { UsageError } from "./command";

export const stacksDir = path.join(repositoryRoot, "stacks");

export function stackFilePath(name: string): string {
    return path.join(stacksDir, `Pulumi.${name}.yaml`);
}

/** Stack names, from stacks/Pulumi.<name>.yaml. */
export function labStackNames(): string[] {
    return fs
        .readdirSync(stacksDir)
        .map((file) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}

/** `--stack NAME` (repeatable) or `--all`; `emulated` when neither is given. */
export function selectStacks(selection: { stack?: string[]; all?: boolean }, usage: string): string[] {
    const known = labStackNames();
    if (selection.all) return known;
    const wanted = selection.stack && selection.stack.length > 0 ? selection.stack : ["emulated"];
    for (const name of wanted) {
        if (!known.includes(name)) throw new UsageError(`no stack ${JSON.stringify(name)} in stacks/ (there are: ${known.join(", ")})`, usage);
    }
    return wanted;
}
