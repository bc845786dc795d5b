// What a preview with the policy pack needs on this machine, found without running one: the pinned
// CLI and the pack's own node_modules.
import * as fs from "fs";
import * as path from "path";
import { isCi } from "../../../cli/ci";
import { pulumiRoot, toolchainPaths } from "../../../toolchain";
import { policiesDir } from "./policy-args";

export const inCi = isCi();

export function policyPackPrerequisiteProblems(): string[] {
    const problems: string[] = [];
    try {
        pulumiRoot(toolchainPaths());
    } catch (error) {
        problems.push(`${(error as Error).message}; run \`npm run bootstrap\``);
    }
    if (!fs.existsSync(path.join(policiesDir, "node_modules", "@pulumi", "policy", "package.json"))) {
        problems.push("policies/node_modules is missing; run `npm run bootstrap`, which runs `npm ci` in policies/");
    }
    return problems;
}
