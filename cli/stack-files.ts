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

export interface StackSelection {
    stack?: string[];
    all?: boolean;
    classroom?: string;
}

/** `--stack NAME` (repeatable), `--all` or `--classroom PREFIX`; `emulated` when none is given. */
export function selectStacks(selection: StackSelection, usage: string, known: readonly string[] = labStackNames()): string[] {
    if (selection.all) return [...known];
    if (selection.classroom !== undefined) return classroomStacks(selection.classroom, known, usage);
    const wanted = selection.stack && selection.stack.length > 0 ? selection.stack : ["emulated"];
    for (const name of wanted) {
        if (!known.includes(name)) throw new UsageError(`no stack ${JSON.stringify(name)} in stacks/ (there are: ${known.join(", ")})`, usage);
    }
    return wanted;
}

/** A classroom's stacks as `classroom init` names them, `<prefix>-<i>`, in the order of i. */
function classroomStacks(prefix: string, known: readonly string[], usage: string): string[] {
    if (!/^[a-z][a-z0-9-]*$/.test(prefix)) throw new UsageError(`--classroom takes a classroom's prefix (lower-case letters, digits and dashes, starting with a letter), not ${JSON.stringify(prefix)}`, usage);
    const member = new RegExp(`^${prefix}-([1-9][0-9]*)$`);
    const members = known.filter((name) => member.test(name)).sort((a, b) => Number(member.exec(a)![1]) - Number(member.exec(b)![1]));
    if (members.length === 0) throw new UsageError(`no stack of classroom ${prefix} in stacks/: \`mptcp-lab classroom init --prefix ${prefix}\` writes ${prefix}-1, ${prefix}-2, ...`, usage);
    return members;
}
