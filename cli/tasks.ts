// Renders a list of steps with listr2: spinners on a terminal, plain lines off one or in CI.
// Colours follow NO_COLOR / FORCE_COLOR (listr2's colour library reads them).

import { Listr, type ListrTaskWrapper } from "listr2";
import { type CommandIo, wantsPlainOutput } from "./command";

/** A step: `unchanged` shows it as skipped (it had nothing to do). */
export interface Step {
    readonly title: string;
    run(): Promise<"done" | "unchanged">;
}

export interface StepRunner {
    run(steps: readonly Step[]): Promise<void>;
    /** Shows a line of detail under the running step (or on stderr between steps). */
    log(line: string): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listr2's wrapper type is generic over its renderers
type AnyTask = ListrTaskWrapper<unknown, any, any>;

export function stepRunner(io: CommandIo): StepRunner {
    let current: AnyTask | undefined;
    return {
        log(line: string) {
            if (current) current.output = line;
            else io.stderr.write(`${line}\n`);
        },
        async run(steps: readonly Step[]) {
            const tasks = steps.map((step) => ({
                title: step.title,
                task: async (_context: unknown, task: AnyTask) => {
                    current = task;
                    try {
                        if ((await step.run()) === "unchanged") task.skip(`${step.title} (unchanged)`);
                    } finally {
                        current = undefined;
                    }
                },
            }));
            const listr = new Listr(tasks, {
                renderer: wantsPlainOutput(io) ? "simple" : "default",
                fallbackRenderer: "simple",
                exitOnError: true,
                registerSignalListeners: true,
            });
            await listr.run();
        },
    };
}
