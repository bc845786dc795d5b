// SSH steps against a real emulated host: a step that times out stops on the host with what it
// started, steps with the same lock file never overlap, and a host's output is bounded.
import test from "ava";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type BenchStatus, benchDown, benchUp, defaultBenchPlan } from "../../bench";
import { type HostConnection, IDLE_CLOSE_MS, RemoteStepError, runRemote } from "../../remote/ssh";
import { benchHook, benchTest, prepareBench } from "../bench/helpers/harness";

const BENCH = "t-ssh";
const INDEX = 19;
let connection: HostConnection;

test.before(async (t) => {
    if (!(await prepareBench(t, BENCH))) return;
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

benchTest("a step whose controller was killed still holds its lock until it stops, and the next one then runs alone", async (t) => {
    const lock = "/run/mptcp-lab/test-killed.lock";
    await onClient("clear", "rm -f /tmp/mlab-killed.pid\n");
    // The controller: a process of its own running one exclusive step that would take 300 s.
    const script = `require("./remote/ssh").runRemote(${JSON.stringify(connection)}, { host: "client", step: "a long build", script: "echo $$ > /tmp/mlab-killed.pid; sleep 300 & wait", timeoutSeconds: 4, exclusive: ${JSON.stringify(lock)} })`;
    const controller = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: path.join(__dirname, "..", ".."), stdio: "ignore", detached: true });
    const started = async () => (await onClient("look for the build", "cat /tmp/mlab-killed.pid 2>/dev/null || true\n")).stdout.trim() !== "";
    for (let tries = 0; tries < 100 && !(await started()); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    controller.kill("SIGKILL");
    // The next run's step on the same lock starts only once the build is gone (stopped by its timeout).
    const next = await onClient("the next run's step", 'pid=$(cat /tmp/mlab-killed.pid); if kill -0 "$pid" 2>/dev/null; then echo overlap; else echo alone; fi\n', { exclusive: lock, timeoutSeconds: 60 });
    t.is(next.stdout.trim(), "alone");
});

/** Prints the pid of the sshd process that serves the step's connection (its nearest sshd ancestor). */
const SERVING_SSHD = `pid=$$
while [ "$pid" -gt 1 ]; do
    case "$(cat "/proc/$pid/comm")" in sshd*) echo "$pid"; exit 0 ;; esac
    pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
done
echo none
`;

benchTest("steps at once and one after the other share one SSH connection; a step after it went idle opens a new one", async (t) => {
    const servedBy = async (step: string) => (await onClient(step, SERVING_SSHD)).stdout.trim();
    await new Promise((resolve) => setTimeout(resolve, IDLE_CLOSE_MS + 1_000));
    const [first, second] = await Promise.all([servedBy("read facts"), servedBy("read endpoints")]);
    t.regex(first, /^\d+$/);
    t.is(second, first);
    t.is(await servedBy("apply endpoints"), first);
    await new Promise((resolve) => setTimeout(resolve, IDLE_CLOSE_MS + 1_000));
    const later = await servedBy("read facts again");
    t.regex(later, /^\d+$/);
    t.not(later, first);
});
