import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { heldByRunningEngine, isEngineProcess, lockState, readStackLocks, recoverStaleLocks, removedLockLine, stackLockDir, StackLockedError, waitForStackUnlock } from "../../cli/stack-locks";

const HOST = os.hostname();

function lockDir(t: import("ava").ExecutionContext): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-locks-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

/** A lock file as the engine writes it. */
function writeLock(dir: string, name: string, content: Record<string, unknown>): string {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ username: "root", timestamp: "2026-11-30T12:00:00Z", ...content }));
    return file;
}

/** A stand-in for `pulumi cancel` on a file backend: it removes every lock file of the stack. */
function cancelIn(dir: string): { cancel: () => Promise<void>; calls: () => number } {
    let calls = 0;
    return {
        cancel: async () => {
            calls++;
            for (const file of fs.readdirSync(dir)) fs.rmSync(path.join(dir, file));
        },
        calls: () => calls,
    };
}

/** The PID of a process that has ended. */
function goneProcessPid(): number {
    const child = spawnSync("true");
    return child.pid ?? 0;
}

test("a lock of this machine whose engine is gone is removed, and said so", async (t) => {
    const dir = lockDir(t);
    const pid = goneProcessPid();
    const file = writeLock(dir, "a", { pid, hostname: HOST });
    const pulumi = cancelIn(dir);
    const removed = await recoverStaleLocks("emulated", dir, pulumi.cancel);
    t.deepEqual(removed.map((lock) => lock.pid), [pid]);
    t.is(pulumi.calls(), 1, "cleared by Pulumi's cancel");
    t.false(fs.existsSync(file));
    t.regex(removedLockLine("emulated", removed[0]), new RegExp(`^emulated: removed the lock .*PID ${pid} of root@`));
});

test("a lock whose PID now belongs to another program is stale too", async (t) => {
    const dir = lockDir(t);
    writeLock(dir, "a", { pid: process.pid, hostname: HOST });
    t.is((await recoverStaleLocks("emulated", dir, cancelIn(dir).cancel)).length, 1);
});

const refused = test.macro({
    async exec(t, content: Record<string, unknown> | string, state: "live" | "foreign" | "unreadable", isEngine: (pid: number) => boolean) {
        const dir = lockDir(t);
        const file = path.join(dir, "held.json");
        fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify({ username: "root", timestamp: "2026-11-30T12:00:00Z", ...content }));
        const pulumi = cancelIn(dir);
        const error = await t.throwsAsync(recoverStaleLocks("emulated", dir, pulumi.cancel, HOST, isEngine), { instanceOf: StackLockedError });
        t.is(pulumi.calls(), 0, "cancel is not called");
        t.is(error?.code, "stack-locked");
        t.is(error?.state, state);
        t.regex(error?.message ?? "", /`pulumi cancel --stack emulated --yes`/);
        t.true(fs.existsSync(file), "the lock is kept");
    },
    title: (what, _content, state: string) => `${what ?? ""} is reported as ${state} with the command that clears it, and kept`,
});

test("a lock held by a running engine of this machine", refused, { pid: 4242, hostname: HOST }, "live", () => true);
test("a lock taken on another machine", refused, { pid: 4242, hostname: `${HOST}-elsewhere` }, "foreign", () => false);
test("a lock file cut short", refused, '{"pid": 42', "unreadable", () => false);
test("a lock without a host name", refused, { pid: 4242 }, "unreadable", () => false);

test("a stale lock is not removed while another lock of the stack may be held", async (t) => {
    const dir = lockDir(t);
    const stale = writeLock(dir, "a", { pid: goneProcessPid(), hostname: HOST });
    writeLock(dir, "b", { pid: 4242, hostname: "elsewhere" });
    const pulumi = cancelIn(dir);
    await t.throwsAsync(recoverStaleLocks("emulated", dir, pulumi.cancel), { instanceOf: StackLockedError });
    t.is(pulumi.calls(), 0);
    t.true(fs.existsSync(stale));
});

test("a stack without locks, without a lock folder or on another backend needs nothing", async (t) => {
    const dir = lockDir(t);
    const pulumi = cancelIn(dir);
    t.deepEqual(await recoverStaleLocks("emulated", dir, pulumi.cancel), []);
    t.deepEqual(await recoverStaleLocks("emulated", path.join(os.tmpdir(), "mptcp-lab-no-such-folder"), pulumi.cancel), []);
    t.deepEqual(await recoverStaleLocks("emulated", stackLockDir("emulated", "s3://bucket"), pulumi.cancel), []);
    t.is(pulumi.calls(), 0);
    t.deepEqual(readStackLocks(path.join(os.tmpdir(), "mptcp-lab-no-such-folder")), []);
});

test("the lock folder is the file backend's, per project and stack", (t) => {
    t.is(stackLockDir("emulated", "file:///state/pulumi-state"), "/state/pulumi-state/.pulumi/locks/organization/mptcp-lab/emulated");
    t.is(stackLockDir("emulated", "https://api.pulumi.com"), undefined);
});

test("only a running engine of this machine holds the stack, and the wait ends without one", async (t) => {
    const dir = lockDir(t);
    writeLock(dir, "a", { pid: 4242, hostname: HOST });
    t.true(heldByRunningEngine(dir, () => true));
    t.false(heldByRunningEngine(dir, () => false));
    writeLock(dir, "b", { pid: 4243, hostname: `${HOST}-elsewhere` });
    t.false(heldByRunningEngine(dir, () => false));
    t.true(await waitForStackUnlock("emulated", 1, lockDir(t)));
});

test("an engine is recognised by its program's name", async (t) => {
    const dir = lockDir(t);
    const engine = path.join(dir, "pulumi");
    fs.copyFileSync("/bin/sleep", engine);
    fs.chmodSync(engine, 0o755);
    const child = spawn(engine, ["30"], { stdio: "ignore" });
    t.teardown(() => child.kill("SIGKILL"));
    await new Promise((resolve) => child.once("spawn", resolve));
    t.true(isEngineProcess(child.pid ?? 0));
    t.false(isEngineProcess(process.pid));
    t.is(lockState({ file: "x", pid: child.pid, hostname: HOST }), "live");
});
