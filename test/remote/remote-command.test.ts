import test from "ava";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { remoteCommand } from "../../remote/ssh";
import { UnsafeValueError } from "../../remote/shell";

// The command an SSH exec channel runs, run here by a local bash exactly as sshd would run it
// (`bash -c COMMAND`, the script on stdin), as root so that no sudo is involved.

function runLocally(command: string, script: string): Promise<number | null> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", ["-c", command], { stdio: ["pipe", "ignore", "ignore"] });
        child.on("error", reject);
        child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
        child.stdin.end(script);
    });
}

function temporaryDir(t: import("ava").ExecutionContext): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-remote-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

const isAlive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

test("a non-root login runs the step through sudo -n, under timeout", (t) => {
    t.is(remoteCommand("pi", 600), "'sudo' '-n' 'timeout' '--kill-after' '10s' '600s' 'bash' '-s'");
    t.is(remoteCommand("root", 60, "/run/lock/mptcp-lab-iperf3.lock"), `'timeout' '--kill-after' '10s' '60s' 'bash' '-c' 'mkdir -p -- "$(dirname -- "$1")" && exec flock -- "$1" bash -s' 'mptcp-lab-step' '/run/lock/mptcp-lab-iperf3.lock'`);
});

test("a lock path that is not a plain absolute path is refused", (t) => {
    t.throws(() => remoteCommand("root", 60, "/tmp/x; reboot"), { instanceOf: UnsafeValueError });
    t.throws(() => remoteCommand("root", 60, "relative.lock"), { instanceOf: UnsafeValueError });
    t.throws(() => remoteCommand("root", 0), { instanceOf: RangeError });
});

test("a step that outlives its timeout is stopped on the host with everything it started", async (t) => {
    const dir = temporaryDir(t);
    const pidFile = path.join(dir, "child.pid");
    // A build-like step: a child process the script waits for.
    const code = await runLocally(remoteCommand("root", 1), `sleep 60 &\necho $! > ${pidFile}\nwait\n`);
    t.is(code, 124);
    const child = Number(fs.readFileSync(pidFile, "utf8"));
    t.true(child > 0);
    // timeout signalled the whole process group; the TERM reaches the child at once.
    for (let tries = 0; tries < 50 && isAlive(child); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    t.false(isAlive(child), `process ${child} still runs`);
});

test("steps with the same lock file never overlap", async (t) => {
    const dir = temporaryDir(t);
    const log = path.join(dir, "log");
    const lock = path.join(dir, "not-yet", "step.lock"); // a folder that does not exist yet
    const step = (name: string) => `echo start-${name} >> ${log}\nsleep 0.3\necho end-${name} >> ${log}\n`;
    const codes = await Promise.all(["a", "b", "c"].map((name) => runLocally(remoteCommand("root", 30, lock), step(name))));
    t.deepEqual(codes, [0, 0, 0]);
    const lines = fs.readFileSync(log, "utf8").trim().split("\n");
    t.is(lines.length, 6);
    for (let index = 0; index < lines.length; index += 2) {
        t.is(lines[index].replace("start-", "end-"), lines[index + 1], `${lines.join(", ")}: each step ends before the next starts`);
    }
});
