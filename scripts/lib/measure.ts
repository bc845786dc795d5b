// Runs a command as a child process and measures it the way `time` and a /proc sampler would:
// wall time, CPU time of the command and every child it waited for (bash's `times`), and peak
// resident memory of the largest process and of the whole process tree, sampled from /proc.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";

export interface Measurement {
    readonly wallSeconds: number;
    /** User plus system time of the command and its reaped descendants. */
    readonly cpuSeconds: number;
    /** The highest VmHWM of any process of the tree, and that process's name. */
    readonly largestBytes: number;
    readonly largestName: string;
    /** The highest sum of VmRSS over the tree at one sample, and the most processes seen at once. */
    readonly treeBytes: number;
    readonly treeProcesses: number;
    /** The one-minute load average when the command started: how busy the machine was. */
    readonly loadAverage: number;
    readonly exitCode: number;
}

interface ProcessInfo {
    parent: number;
    name: string;
}

function processTable(): Map<number, ProcessInfo> {
    const table = new Map<number, ProcessInfo>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            const close = stat.lastIndexOf(")");
            const fields = stat.slice(close + 2).split(" ");
            table.set(Number(entry), { parent: Number(fields[1]), name: stat.slice(stat.indexOf("(") + 1, close) });
        } catch {
            // The process ended between listing and reading.
        }
    }
    return table;
}

function descendants(root: number, table: Map<number, ProcessInfo>): number[] {
    const children = new Map<number, number[]>();
    for (const [pid, info] of table) children.set(info.parent, [...(children.get(info.parent) ?? []), pid]);
    const found: number[] = [];
    const queue = [root];
    while (queue.length > 0) {
        const pid = queue.pop()!;
        found.push(pid);
        queue.push(...(children.get(pid) ?? []));
    }
    return found;
}

function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
    try {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
        return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
    } catch {
        return undefined;
    }
}

/** The full name of a process (its command line's program and script), for the report. */
function describe(pid: number, fallback: string): string {
    try {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
        // Options and preloads (`-r FILE`, `--require FILE`) do not name the process.
        const script = argv.slice(1).find((arg, i) => !arg.startsWith("-") && !["-r", "--require"].includes(argv[i]) && /\.(ts|js)$|dynamic-provider|pulumi-|ansible|cmd\/run/.test(arg));
        return script ? `${fallback} ${script.split("/").slice(-2).join("/")}` : fallback;
    } catch {
        return fallback;
    }
}

export interface RunOptions {
    readonly cwd?: string;
    readonly env?: NodeJS.ProcessEnv;
    /** Where the command's output goes (appended). */
    readonly logFile: string;
}

/** Runs `argv` under bash, whose `times` after the command gives the children's CPU time. */
export function measure(argv: readonly string[], options: RunOptions): Promise<Measurement> {
    const loadAverage = os.loadavg()[0];
    const log = fs.openSync(options.logFile, "a");
    fs.writeSync(log, `\n$ ${argv.join(" ")}\n`);
    const started = process.hrtime.bigint();
    const child = spawn("bash", ["-c", '"$@"; status=$?; times >&3; exit "$status"', "bash", ...argv], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ["ignore", log, log, "pipe"],
    });
    let times = "";
    child.stdio[3]?.on("data", (chunk: Buffer) => (times += chunk.toString()));
    let largestBytes = 0;
    let largestName = "";
    let treeBytes = 0;
    let treeProcesses = 0;
    const sample = () => {
        if (child.pid === undefined) return;
        const table = processTable();
        const tree = descendants(child.pid, table);
        let sum = 0;
        for (const pid of tree) {
            const memory = memoryOf(pid);
            if (!memory) continue;
            sum += memory.rss;
            if (memory.hwm > largestBytes) {
                largestBytes = memory.hwm;
                largestName = describe(pid, table.get(pid)?.name ?? String(pid));
            }
        }
        treeBytes = Math.max(treeBytes, sum);
        treeProcesses = Math.max(treeProcesses, tree.length);
    };
    const timer = setInterval(sample, 100);
    return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => {
            clearInterval(timer);
            fs.closeSync(log);
            const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
            // `times`: the shell's user and system time, then its children's.
            const children = times.trim().split("\n")[1] ?? "";
            const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((total, match) => total + Number(match[1]) * 60 + Number(match[2]), 0);
            resolve({ wallSeconds, cpuSeconds: seconds, largestBytes, largestName, treeBytes, treeProcesses, loadAverage, exitCode: code ?? -1 });
        });
    });
}
