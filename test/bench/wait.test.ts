import test from "ava";
import { sshdSilentMessage, waitFor, type ProbeResult } from "../../bench/wait";

/** A probe that fails `failures` times (with the given reason) and then answers. */
function probeAnsweringAfter(failures: number, reason = "ECONNREFUSED") {
    let calls = 0;
    return {
        probe: async (): Promise<ProbeResult<string>> => (++calls > failures ? { value: "SSH-2.0-OpenSSH_10.0" } : { failure: `${reason} ${calls}` }),
        calls: () => calls,
    };
}

/** A clock that only moves when the wait sleeps, and a record of the pauses. */
function fakeClock() {
    let time = 0;
    const pauses: number[] = [];
    return { pauses, now: () => time, sleep: async (ms: number) => void (pauses.push(ms), (time += ms)) };
}

test("a wait pauses after every failed attempt and returns the answer", async (t) => {
    const clock = fakeClock();
    const { probe } = probeAnsweringAfter(3);
    const outcome = await waitFor(probe, { attempts: 10, pauseMs: 250, sleep: clock.sleep, now: clock.now });
    t.is(outcome.value, "SSH-2.0-OpenSSH_10.0");
    t.is(outcome.attempts, 4);
    t.deepEqual(clock.pauses, [250, 250, 250]);
    t.is(outcome.elapsedMs, 750);
    t.is(outcome.lastFailure, "ECONNREFUSED 3");
});

test("a wait that never gets an answer spends every attempt, with a pause between each two", async (t) => {
    const clock = fakeClock();
    const { probe, calls } = probeAnsweringAfter(Infinity, "no greeting within 500 ms");
    const outcome = await waitFor(probe, { attempts: 5, pauseMs: 100, sleep: clock.sleep, now: clock.now });
    t.is(outcome.value, undefined);
    t.is(calls(), 5);
    t.deepEqual(clock.pauses, [100, 100, 100, 100]);
    t.false(outcome.gaveUp);
    t.is(outcome.lastFailure, "no greeting within 500 ms 5");
});

test("a wait stops as soon as waiting longer cannot help", async (t) => {
    const clock = fakeClock();
    const { probe, calls } = probeAnsweringAfter(Infinity);
    let alive = 2;
    const outcome = await waitFor(probe, { attempts: 50, pauseMs: 250, sleep: clock.sleep, now: clock.now, worthWaiting: () => alive-- > 0 });
    t.true(outcome.gaveUp);
    t.is(calls(), 3);
    t.deepEqual(clock.pauses, [250, 250]);
});

test("sshd's silence is explained even when its log is empty", (t) => {
    const message = sshdSilentMessage("server", "198.19.0.11:22", { attempts: 60, elapsedMs: 44_500, lastFailure: "ECONNREFUSED", gaveUp: false }, { pid: 2 ** 22 + 1, startTime: "1" }, "");
    t.regex(message, /^sshd on server does not answer on 198\.19\.0\.11:22 after 60 attempt\(s\) in 44\.5 s \(last: ECONNREFUSED\); sshd \(PID \d+\) has exited\./);
    t.regex(message, /\(the log is empty\)$/);
});

test("sshd's silence names a missing PID and keeps a log that has lines", (t) => {
    const message = sshdSilentMessage("client", "198.19.0.10:22", { attempts: 1, elapsedMs: 0, gaveUp: true }, undefined, "Server listening on 0.0.0.0 port 22.");
    t.regex(message, /sshd has no PID on record/);
    t.regex(message, /sshd's log:\nServer listening on 0\.0\.0\.0 port 22\.$/);
});
