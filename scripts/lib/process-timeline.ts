// Where a command's time goes, process by process: runs it under `strace -f` tracing only
// execve and exits, and prints when each program started and ended, relative to the command's
// start. Tracing two system calls (seccomp-filtered) costs little; the figures are a breakdown, not
// a benchmark.
import { spawn } from "node:child_process";
import * as fs from "node:fs";

interface TracedProcess {
    pid: number;
    program: string;
    startedAt: number;
    endedAt?: number;
}

/** A short name for an exec'd program: its file, and the script node or python was given. */
function describeExec(file: string, argv: readonly string[]): string {
    const base = file.split("/").pop() ?? file;
    // Without the modules node preloads (`-r FILE`): the script is what names the process.
    const args = argv.slice(1).filter((arg, index, all) => !["-r", "--require", "--import"].includes(arg) && !["-r", "--require", "--import"].includes(all[index - 1] ?? ""));
    if (base === "node" || base.startsWith("python")) {
        const script = args.find((arg) => /\.(ts|js|py)$|ansible|dynamic-provider|cmd\/run/.test(arg) && !arg.startsWith("-"));
        return script ? `${base} ${script.split("/").slice(-3).join("/")}` : `${base} ${args.slice(0, 2).join(" ")}`;
    }
    if (base === "pulumi") return `pulumi ${args.filter((arg) => !arg.startsWith("-")).slice(0, 2).join(" ")}`;
    if (base === "ssh") return "ssh";
    return base;
}

/** Parses `strace -f -ttt -e trace=execve,exit_group -s 200` output. */
export function parseTrace(text: string): TracedProcess[] {
    const processes = new Map<number, TracedProcess>();
    // An execve another thread interrupts is split: `execve(...) <unfinished ...>`, then
    // `<... execve resumed>) = 0`. Only a successful one counts (a PATH search fails first).
    const pending = new Map<number, { program: string; time: number }>();
    for (const line of text.split("\n")) {
        const match = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
        if (!match) continue;
        const pid = Number(match[1]);
        const time = Number(match[2]);
        const rest = match[3];
        const exec = /^execve\("([^"]+)", \[(.*?)\]/.exec(rest);
        if (exec) {
            const argv = [...exec[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((arg) => arg[1]);
            pending.set(pid, { program: describeExec(exec[1], argv), time });
        }
        if ((exec || rest.startsWith("<... execve resumed>")) && / = 0$/.test(rest)) {
            const started = pending.get(pid);
            if (started) processes.set(pid, { pid, program: started.program, startedAt: started.time });
            pending.delete(pid);
        } else if (/^\+\+\+ (exited|killed)/.test(rest) || rest.startsWith("exit_group(")) {
            const known = processes.get(pid);
            if (known && known.endedAt === undefined) known.endedAt = time;
        }
    }
    return [...processes.values()].sort((a, b) => a.startedAt - b.startedAt);
}

/** Runs argv under strace and returns the timeline as text, one program a line. */
export async function traceTimeline(argv: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; traceFile: string; minimumSeconds?: number }): Promise<string> {
    // --seccomp-bpf: only the traced calls stop the process; without it every system call would.
    const strace = ["-f", "--seccomp-bpf", "-ttt", "-s", "200", "-e", "trace=execve,exit_group", "-o", options.traceFile, ...argv];
    await new Promise<void>((resolve, reject) => {
        const child = spawn("strace", strace, { cwd: options.cwd, env: options.env ?? process.env, stdio: "ignore" });
        child.on("error", reject);
        child.on("close", () => resolve());
    });
    const processes = parseTrace(fs.readFileSync(options.traceFile, "utf8"));
    if (processes.length === 0) return "(no processes traced)";
    const origin = processes[0].startedAt;
    const end = Math.max(...processes.map((p) => p.endedAt ?? p.startedAt));
    const minimum = options.minimumSeconds ?? 0.05;
    const lines = processes
        .filter((p) => (p.endedAt ?? end) - p.startedAt >= minimum)
        .map((p) => `  ${(p.startedAt - origin).toFixed(2).padStart(6)} s  ${((p.endedAt ?? end) - p.startedAt).toFixed(2).padStart(6)} s  ${p.program}`);
    const hidden = processes.length - lines.length;
    return [`  start     lasted   program (of ${processes.length} processes; ${hidden} shorter than ${minimum} s not shown); whole run ${(end - origin).toFixed(2)} s`, ...lines].join("\n");
}
