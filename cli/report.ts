// `mptcp-lab report [--stack NAME... | --all | --classroom PREFIX] [--out DIR]`: an HTML report of
// the stacks' failover results with charts, and a summary in the terminal. Reads the stacks'
// outputs from their state only; runs nothing on the hosts.
import * as fs from "fs";
import * as path from "path";
import type { FailoverOutput, FailoverReader, StackResult } from "../report";
import { toolchainPaths } from "../toolchain";
import { exportLabStack } from "../toolchain/file-backend";
import { recordedStackOutputs } from "../toolchain/recorded-state";
import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK } from "./command";
import { type CommandSpec, helpText, type OptionTable, parseCommandLine, stackSelection, stackSelectionExclusive } from "./options";
import { selectStacks, type StackSelection } from "./stack-files";

const spec = {
    synopsis: ["mptcp-lab report [--stack NAME... | --all | --classroom PREFIX] [--out DIR]"],
    options: {
        ...stackSelection,
        all: { type: "boolean", description: "every stack in stacks/: one row per bench" },
        out: { type: "string", value: "DIR", description: "where index.html goes (default: ~/.local/state/mptcp-lab/reports)" },
    },
    exclusive: stackSelectionExclusive,
    notes: ["Exit codes: 0 every stack has a result, 1 a stack has none (the report is written anyway), 64 wrong usage."],
} as const satisfies CommandSpec<OptionTable>;

export interface ReportSources {
    readFailover: FailoverReader;
    selectStacks(selection: StackSelection, usage: string): string[];
    defaultOutDir(): string;
}

/** Thrown for a stack that was never created. */
export class StackNotCreated extends Error {}

/** The `failover` output of a stack, from its state (no engine, no CLI); undefined when it has none. */
async function readFailoverOutput(name: string): Promise<FailoverOutput | undefined> {
    const exported = await exportLabStack(name);
    if (!exported) throw new StackNotCreated(name);
    return recordedStackOutputs(exported).failover as FailoverOutput | undefined;
}

async function readResult(name: string, read: FailoverReader): Promise<StackResult> {
    try {
        const failover = await read(name);
        return failover?.mptcp ? { stack: name, failover } : { stack: name, missing: "no failover result yet (run `mptcp-lab up`)" };
    } catch (error) {
        return { stack: name, missing: error instanceof StackNotCreated ? "the stack has not been created (run `mptcp-lab up`)" : `unreadable: ${(error as Error).message.split("\n")[0]}` };
    }
}

export function makeReportCommand(sources: ReportSources): Command {
    return {
        async run(args: readonly string[], io: CommandIo) {
            const parsed = parseCommandLine(spec, args, io)?.values;
            if (!parsed) return EXIT_OK;
            const names = sources.selectStacks(parsed, helpText(spec));
            const results = await Promise.all(names.map((name) => readResult(name, sources.readFailover)));
            const { reportHtml, terminalSummary } = await import("../report");
            const outDir = path.resolve(parsed.out ?? sources.defaultOutDir());
            fs.mkdirSync(outDir, { recursive: true });
            const file = path.join(outDir, "index.html");
            fs.writeFileSync(file, await reportHtml(results, new Date()));
            io.stdout.write(`${terminalSummary(results)}\n\nReport: ${file}\n`);
            return results.every((result) => result.failover) ? EXIT_OK : EXIT_FAILURE;
        },
    };
}

export const reportCommand = makeReportCommand({
    readFailover: readFailoverOutput,
    selectStacks,
    defaultOutDir: () => path.join(toolchainPaths().stateRoot, "reports"),
});
