import test from "ava";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { acquireMachineLock, DEFAULT_LOCK_TIMEOUT_SECONDS, lockHolder, lockTimeoutSeconds, MachineLockError } from "../../failover";

const ROOT = path.join(__dirname, "..", "..");

function lockPathIn(t: { teardown(fn: () => void): void }): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-lock-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, "nested", "failover.lock");
}

/** Another Node process that takes the lock through the same module and holds it until killed. */
function holderProcess(lockPath: string) {
    const script = `require("./failover/machine-lock").acquireMachineLock(${JSON.stringify(lockPath)}, { timeoutSeconds: 30, purpose: "holder" }).then(() => console.log("held"));\nsetInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    const held = new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("held") && resolve());
        child.once("exit", (code) => reject(new Error(`the holder exited with ${code} before taking the lock`)));
    });
    return { child, held };
}

test("a second taker gets the lock only after the first releases it", async (t) => {
    const lockPath = lockPathIn(t);
    const first = await acquireMachineLock(lockPath, { timeoutSeconds: 30, purpose: "first" });
    t.is(lockHolder(lockPath), process.pid);
    let released = false;
    const second = acquireMachineLock(lockPath, { timeoutSeconds: 30, purpose: "second" }).then((lock) => {
        t.true(released, "the second taker got the lock while the first still held it");
        return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    released = true;
    await first.release();
    await (await second).release();
});

test("a lock held by another process times out with its code and the holder's PID", async (t) => {
    const lockPath = lockPathIn(t);
    const { child, held } = holderProcess(lockPath);
    t.teardown(() => void child.kill("SIGKILL"));
    await held;
    const error = await t.throwsAsync(acquireMachineLock(lockPath, { timeoutSeconds: 1, purpose: "the waiting test" }), { instanceOf: MachineLockError });
    t.is(error?.code, "lock-timeout");
    t.true(error?.message.includes(`held by PID ${child.pid}`));
});

test("a holder that crashes leaves no stale lock behind", async (t) => {
    const lockPath = lockPathIn(t);
    const { child, held } = holderProcess(lockPath);
    t.teardown(() => void child.kill("SIGKILL"));
    await held;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const lock = await acquireMachineLock(lockPath, { timeoutSeconds: 10, purpose: "the next test" });
    t.is(lockHolder(lockPath), process.pid);
    await lock.release();
});

const timeoutFrom = test.macro({
    exec(t, value: string | undefined, expected: number | "lock-timeout-setting") {
        const environment = value === undefined ? {} : { MPTCP_LAB_FAILOVER_LOCK_TIMEOUT: value };
        if (expected === "lock-timeout-setting") t.is(t.throws(() => lockTimeoutSeconds(environment), { instanceOf: MachineLockError })?.code, expected);
        else t.is(lockTimeoutSeconds(environment), expected);
    },
    title: (_provided, value, expected) => `the lock timeout ${JSON.stringify(value ?? "unset")} gives ${expected}`,
});

test(timeoutFrom, undefined, DEFAULT_LOCK_TIMEOUT_SECONDS);
test(timeoutFrom, "", DEFAULT_LOCK_TIMEOUT_SECONDS);
test(timeoutFrom, "90", 90);
test(timeoutFrom, "ten", "lock-timeout-setting");
test(timeoutFrom, "-5", "lock-timeout-setting");
