// SSH steps against a real emulated host: a step that times out stops on the host with what it
// started, steps with the same lock file never overlap, and a host's output is bounded.
import test from "ava";
import * as fs from "node:fs";
import { type BenchStatus, benchDown, benchUp, checkBenchPrerequisites, defaultBenchPlan } from "../../bench";
import { type HostConnection, RemoteStepError, runRemote } from "../../remote/ssh";
import { benchHook, benchTest, benchTestsRun, describeMissingPrerequisites } from "../bench/helpers/harness";

const BENCH = "t-ssh";
const INDEX = 19;
let connection: HostConnection;

test.before(async (t) => {
    if (!benchTestsRun) {
        t.log(`bench tests skipped outside CI; missing: ${describeMissingPrerequisites()}`);
        return;
    }
    await checkBenchPrerequisites();
    await benchDown(BENCH, { purge: true });
    const status: BenchStatus = await benchUp(defaultBenchPlan(BENCH, INDEX));
    const host = status.hosts[0];
    connection = { address: host.managementAddress, port: host.sshPort, user: host.user, hostKey: host.hostKey, privateKey: fs.readFileSync(status.privateKeyPath, "utf8") };
});

test.after.always(benchHook(async () => {
    await benchDown(BENCH, { purge: true });
}));

const onClient = (step: string, script: string, extra: { timeoutSeconds?: number; exclusive?: string; maxOutputBytes?: number } = {}) =>
    runRemote(connection, { host: "client", step, script, ...extra });

benchTest("a step that times out is stopped on the host with everything it started", async (t) => {
    const error = await t.throwsAsync(onClient("a stuck build", "sleep 300 &\necho $! > /tmp/mlab-stuck.pid\nwait\n", { timeoutSeconds: 2 }), { instanceOf: RemoteStepError });
    t.is(error?.code, "remote-step-timeout");
    // TERM reached the whole process group; allow the host a moment to reap it.
    const check = 'pid=$(cat /tmp/mlab-stuck.pid); for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || { echo gone; exit 0; }; sleep 0.1; done; echo alive\n';
    t.is((await onClient("look for the stuck build", check)).stdout.trim(), "gone");
});

benchTest("steps with the same lock file on a host never overlap", async (t) => {
    await onClient("clear the log", "rm -f /tmp/mlab-exclusive.log\n");
    const step = (name: string) => `echo start-${name} >> /tmp/mlab-exclusive.log\nsleep 1\necho end-${name} >> /tmp/mlab-exclusive.log\n`;
    await Promise.all(["a", "b"].map((name) => onClient(`step ${name}`, step(name), { exclusive: "/run/lock/mlab-test-exclusive.lock", timeoutSeconds: 60 })));
    const lines = (await onClient("read the log", "cat /tmp/mlab-exclusive.log\n")).stdout.trim().split("\n");
    t.is(lines.length, 4);
    t.is(lines[0].replace("start-", "end-"), lines[1], lines.join(", "));
    t.is(lines[2].replace("start-", "end-"), lines[3], lines.join(", "));
});

benchTest("a host that sends more than a step allows is cut off", async (t) => {
    const error = await t.throwsAsync(onClient("a flood", "head -c 1000000 /dev/zero | base64 -w0\n", { maxOutputBytes: 10_000 }), { instanceOf: RemoteStepError });
    t.is(error?.code, "remote-output-too-large");
});
