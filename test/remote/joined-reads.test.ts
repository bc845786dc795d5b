// Read-only steps asked for on one host at once share one exec channel, against an in-process ssh2
// server whose exec requests run in this machine's bash (as `bash -s` runs them on a host): each
// step gets its own output or its own error, and other steps keep a channel each.
import test from "ava";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type InProcessHost, inProcessHost } from "../helpers/in-process-ssh-host";
import { closeIdleConnections, RemoteStepError, runRemote, type RemoteStep } from "../../remote/ssh";

/** A host whose exec requests run in this machine's bash, with a home of their own. */
async function bashHost(): Promise<InProcessHost> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-joined-reads-"));
    const host = await inProcessHost((channel, command) => {
        // A home of its own: bash fed through a socket reads ~/.bashrc, as it does under sshd.
        const child = spawn("bash", ["-c", command], { env: { PATH: process.env.PATH, HOME: home } });
        channel.pipe(child.stdin);
        child.stdout.pipe(channel, { end: false });
        child.stderr.pipe(channel.stderr, { end: false });
        child.on("close", (code) => {
            channel.exit(code ?? 255);
            channel.end();
        });
    });
    return {
        ...host,
        close: async () => {
            await host.close();
            fs.rmSync(home, { recursive: true, force: true });
        },
    };
}

const read = (name: string, script: string, extra: Partial<RemoteStep> = {}): RemoteStep => ({ host: "fake", step: name, script, timeoutSeconds: 30, readOnly: true, ...extra });

test.afterEach.always(() => closeIdleConnections());

test("reads asked for at once run in one exec channel, and each gets its own output", async (t) => {
    const host = await bashHost();
    t.teardown(() => host.close());
    const [facts, endpoints] = await Promise.all([
        runRemote(host.connection, read("read host facts", "echo kernel=6.12\necho 'slow disk' >&2\n")),
        runRemote(host.connection, read("read MPTCP endpoints", "printf '[]'\n")),
    ]);
    t.deepEqual(facts, { stdout: "kernel=6.12\n", stderr: "slow disk\n", exitCode: 0 });
    t.deepEqual(endpoints, { stdout: "[]", stderr: "", exitCode: 0 });
    t.is(host.execs(), 1);
});

test("a failing read rejects with its own step's error, and the others still resolve", async (t) => {
    const host = await bashHost();
    t.teardown(() => host.close());
    const [facts, endpoints, unchecked] = await Promise.allSettled([
        runRemote(host.connection, read("read host facts", "echo fine\n")),
        runRemote(host.connection, read("read MPTCP endpoints", "echo 'ip: no such command' >&2\nexit 4\n")),
        runRemote(host.connection, read("probe", "exit 3\n", { check: false })),
    ]);
    t.deepEqual(facts, { status: "fulfilled", value: { stdout: "fine\n", stderr: "", exitCode: 0 } });
    t.is(endpoints.status, "rejected");
    const error = (endpoints as PromiseRejectedResult).reason as RemoteStepError;
    t.true(error instanceof RemoteStepError);
    t.is(error.code, "remote-step-failed");
    t.is(error.step, "read MPTCP endpoints");
    t.is(error.message, "fake: read MPTCP endpoints: exited with 4: ip: no such command");
    t.deepEqual(unchecked, { status: "fulfilled", value: { stdout: "", stderr: "", exitCode: 3 } });
    t.is(host.execs(), 1);
});

test("steps that write, exclusive reads and reads asked for one after the other keep a channel each", async (t) => {
    const host = await bashHost();
    const lock = path.join(os.tmpdir(), `mptcp-lab-joined-reads-${process.pid}.lock`);
    t.teardown(async () => {
        await host.close();
        fs.rmSync(lock, { force: true });
    });
    await Promise.all([
        runRemote(host.connection, read("apply endpoints", "true\n", { readOnly: false })),
        runRemote(host.connection, read("read under lock", "true\n", { exclusive: lock })),
        runRemote(host.connection, read("read host facts", "true\n")),
    ]);
    t.is(host.execs(), 3);
    await runRemote(host.connection, read("read host facts", "true\n"));
    await runRemote(host.connection, read("read MPTCP endpoints", "true\n"));
    t.is(host.execs(), 5);
});

test("a joined read that the host stops names every step in it", async (t) => {
    const host = await bashHost();
    t.teardown(() => host.close());
    const results = await Promise.allSettled([
        runRemote(host.connection, read("read host facts", "echo first\n", { timeoutSeconds: 1 })),
        runRemote(host.connection, read("read MPTCP endpoints", "sleep 5\n", { timeoutSeconds: 1 })),
    ]);
    for (const result of results) {
        t.is(result.status, "rejected");
        const error = (result as PromiseRejectedResult).reason as RemoteStepError;
        t.is(error.code, "remote-step-timeout");
        t.is(error.step, "read host facts, read MPTCP endpoints");
    }
});
