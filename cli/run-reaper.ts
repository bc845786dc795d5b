// Whatever a run of mptcp-lab starts through the engine ends when the run ends, killed or not.
// The engine starts its plugins and the dynamic providers in process groups of their own, so a
// SIGKILL of the command leaves them running (seen: a 158 MB dynamic provider 49 minutes later).
// The run marks its environment, which the engine and everything it starts inherit, and leaves a
// small watcher in a session of its own: once the command's process is gone, the watcher ends the
// engine's processes that carry the mark (TERM, then KILL). Processes that are not the engine's
// (the emulated bench's hosts and services) are left alone even when they carry it.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

export const RUN_MARK = "MPTCP_LAB_RUN";

/** The watcher: $1 the command's PID, $2 the run's mark. An engine process is `pulumi*` itself
 *  (the CLI and its plugins) or node running one of @pulumi/pulumi's commands (the program, the
 *  dynamic providers). */
export const REAPER_SCRIPT = `
parent=$1 mark="${RUN_MARK}=$2"
# GNU tail waits without starting a process a second; elsewhere, a sleep loop.
tail --pid="$parent" -f /dev/null 2>/dev/null || while kill -0 "$parent" 2>/dev/null; do sleep 1; done
is_engine() { # pid
    local -a words
    mapfile -d '' words <"/proc/$1/cmdline" 2>/dev/null || return 1
    ((\${#words[@]})) || return 1
    [[ \${words[0]##*/} == pulumi* ]] && return 0
    local word
    for word in "\${words[@]:1}"; do [[ $word == *@pulumi/pulumi/cmd/* ]] && return 0; done
    return 1
}
marked() { # pid
    grep -qzx -- "$mark" "/proc/$1/environ" 2>/dev/null
}
for signal in TERM KILL; do
    found=0
    for dir in /proc/[0-9]*; do
        pid=\${dir#/proc/}
        [[ $pid == "$$" ]] && continue
        if marked "$pid" && is_engine "$pid"; then
            kill "-$signal" "$pid" 2>/dev/null && found=1
        fi
    done
    ((found)) || break
    [[ $signal == TERM ]] && sleep 3
done
`;

/**
 * Marks this process's environment (before the engine starts) and starts the watcher. Returns the
 * run's mark.
 */
export function startRunReaper(environment: NodeJS.ProcessEnv = process.env, parentPid: number = process.pid): string {
    const run = `${parentPid}-${randomBytes(6).toString("hex")}`;
    const unmarked = { ...environment };
    delete unmarked[RUN_MARK];
    environment[RUN_MARK] = run;
    const watcher = spawn("bash", ["-c", REAPER_SCRIPT, "mptcp-lab-reaper", String(parentPid), run], { detached: true, stdio: "ignore", env: unmarked });
    watcher.on("error", () => undefined); // without bash there is nothing to watch with; the run goes on
    watcher.unref();
    return run;
}
