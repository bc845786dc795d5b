import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeFailure, judgeRestore, type RestoreVerdict, WATCHDOG_GRACE_SECONDS } from "../../failover";

const DOWN_UP_WATCHDOG = "100.00 start iperf3\n103.00 down wlan0\n112.10 up wlan0 watchdog\n";

const judged = test.macro({
    exec(t, failure: string | undefined, events: string | undefined, level: RestoreVerdict["level"], pattern?: RegExp) {
        const verdict = judgeRestore("client", "wlan0", failure, events);
        t.is(verdict.level, level);
        if (pattern) t.regex("message" in verdict ? verdict.message : "", pattern);
    },
    title: (what) => `a restore ${what ?? ""}`,
});

test("that worked needs no word", judged, undefined, DOWN_UP_WATCHDOG, "ok");
test("that failed while the watchdog brought the link back is a warning that says so", judged, "ssh-connect: cannot connect", DOWN_UP_WATCHDOG, "warning", /^client: restoring wlan0 from this machine failed \(ssh-connect: cannot connect\); the host's watchdog brought it back 9\.10 s after it went down\.$/);
test("that failed while the runner brought the link back names the runner's reason", judged, "exited with 1", "1 down wlan0\n8 up wlan0 scheduled\n", "warning", /the host \(scheduled\) brought it back 7\.00 s after/);
test("that failed for a link that never went down is a warning", judged, "exited with 1", "100 start iperf3\n", "warning", /the host never took it down/);
test("that failed with the link down and no up recorded is an error with the commands to check and fix", judged, "remote-step-timeout", "1 down wlan0\n", "error", /no `up` since wlan0 went down.*ip link show wlan0.*ip link set dev wlan0 up/);
test("that failed when the link events cannot be read is an error", judged, "ssh-connect", undefined, "error", /could not be read/);

test("a failure is described by the last lines of its message", (t) => {
    t.is(describeFailure(new Error("client: restore wlan0: exited with 1:\nline 1\n\nline 2\nline 3\nline 4")), "line 2 / line 3 / line 4");
    t.is(describeFailure("plain"), "plain");
});

test("the watchdog's grace named in messages is the runner's own", (t) => {
    const runner = readFileSync(join(__dirname, "..", "..", "failover", "run-failover.sh"), "utf8");
    t.is(Number(/^readonly WATCHDOG_GRACE_SECONDS=(\d+)$/m.exec(runner)?.[1]), WATCHDOG_GRACE_SECONDS);
});
