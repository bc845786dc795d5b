// Several read-only steps on one host as one script: one exec channel, one sudo and one shell
// instead of one each. Every step runs in a subshell of its own, so its `set -e`, its `exit` and
// its variables stay its own; a boundary line after each step's output carries its exit status.
import { randomBytes } from "crypto";
import type { RemoteResult, RemoteStep } from "./ssh";

/** A step's default time limit on the host, as runRemote applies it. */
export const DEFAULT_STEP_TIMEOUT_SECONDS = 600;

export interface JoinedSteps {
    /** The step to run: the steps' scripts in order, each framed by the boundary. */
    step: RemoteStep;
    /** A random line no step's output can contain by chance. */
    boundary: string;
    /** How many steps it joins. */
    count: number;
}

/** One step running `steps` one after the other, under the sum of their time limits. */
export function joinSteps(steps: readonly RemoteStep[], boundary = `mptcp-lab-step-end-${randomBytes(12).toString("hex")}`): JoinedSteps {
    if (steps.length === 0) throw new RangeError("joinSteps needs at least one step");
    const outputBounds = steps.map((step) => step.maxOutputBytes);
    // Bash reads a function's whole body before it runs any of it: no step can read the next one's text from stdin.
    const body = steps.map((step) => `(\n${step.script}\n)\nprintf '\\n%s %s\\n' '${boundary}' "$?"\nprintf '\\n%s\\n' '${boundary}' >&2\n`).join("");
    return {
        boundary,
        count: steps.length,
        step: {
            host: steps[0].host,
            step: steps.map((step) => step.step).join(", "),
            script: `mptcp_lab_joined_steps() {\n${body}}\nmptcp_lab_joined_steps\n`,
            timeoutSeconds: steps.reduce((sum, step) => sum + Math.ceil(step.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS), 0),
            ...(outputBounds.every((bound) => bound !== undefined) ? { maxOutputBytes: outputBounds.reduce((sum, bound) => sum! + bound!, 0) } : {}),
        },
    };
}

/**
 * Each step's own output and exit status from the joined step's result, in order. Undefined when
 * a boundary is missing: the joined script did not run to its end (it was stopped, or it did not parse).
 */
export function splitJoinedResult(result: RemoteResult, joined: JoinedSteps): RemoteResult[] | undefined {
    const stdoutEnd = new RegExp(`\\n${joined.boundary} (\\d+)\\n`, "g");
    const stderrEnd = `\n${joined.boundary}\n`;
    const results: RemoteResult[] = [];
    let stdoutFrom = 0;
    let stderrFrom = 0;
    for (let index = 0; index < joined.count; index++) {
        stdoutEnd.lastIndex = stdoutFrom;
        const end = stdoutEnd.exec(result.stdout);
        const stderrAt = result.stderr.indexOf(stderrEnd, stderrFrom);
        if (!end || stderrAt < 0) return undefined;
        results.push({ stdout: result.stdout.slice(stdoutFrom, end.index), stderr: result.stderr.slice(stderrFrom, stderrAt), exitCode: Number(end[1]) });
        stdoutFrom = end.index + end[0].length;
        stderrFrom = stderrAt + stderrEnd.length;
    }
    return results;
}
