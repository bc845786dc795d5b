import test from "ava";
import { BenchError, type BenchErrorCode, throwIfProblems } from "../../bench/errors";
import { findPrerequisiteProblems, parseNspawnVersion, type PrerequisiteFacts } from "../../bench/prerequisites";

const complete: PrerequisiteFacts = {
    uid: 0,
    mptcpEnabled: "1",
    namespaces: ["net", "mnt", "uts", "pid", "ipc", "user"],
    filesystems: ["ext4", "overlay", "proc"],
    missingTools: [],
    nspawnVersion: 252,
};

test("a complete machine has no missing prerequisite", (t) => {
    t.deepEqual(findPrerequisiteProblems(complete), []);
});

const missing = test.macro({
    exec(t, change: Partial<PrerequisiteFacts>, code: BenchErrorCode) {
        const problems = findPrerequisiteProblems({ ...complete, ...change });
        t.deepEqual(
            problems.map((problem) => problem.code),
            [code],
        );
    },
    title: (description = "", _change, code: BenchErrorCode) => `${description} is reported as ${code}`,
});

test("a user other than root", missing, { uid: 1000 }, "BENCH_NOT_ROOT");
test("a kernel without MPTCP", missing, { mptcpEnabled: undefined }, "BENCH_NO_MPTCP");
test("MPTCP switched off", missing, { mptcpEnabled: "0" }, "BENCH_NO_MPTCP");
test("a kernel without PID namespaces", missing, { namespaces: ["net", "mnt", "uts"] }, "BENCH_NO_NAMESPACES");
test("a kernel without overlayfs", missing, { filesystems: ["ext4"] }, "BENCH_NO_OVERLAYFS");
test("a missing debootstrap", missing, { missingTools: ["debootstrap"] }, "BENCH_TOOL_MISSING");
test("a missing systemd-nspawn", missing, { missingTools: ["systemd-nspawn"], nspawnVersion: undefined }, "BENCH_TOOL_MISSING");
test("systemd-nspawn older than Debian 11's", missing, { nspawnVersion: 241 }, "BENCH_NSPAWN_TOO_OLD");
test("a systemd-nspawn whose version cannot be read", missing, { nspawnVersion: undefined }, "BENCH_NSPAWN_TOO_OLD");

test("a missing systemd-nspawn names systemd-container", (t) => {
    const [problem] = findPrerequisiteProblems({ ...complete, missingTools: ["systemd-nspawn"], nspawnVersion: undefined });
    t.regex(problem.hint ?? "", /apt-get install systemd-container/);
});

test("the nspawn version is the major number systemd prints", (t) => {
    t.is(parseNspawnVersion("systemd 252 (252.39-1~deb12u2)\n+PAM +AUDIT +SELINUX\n"), 252);
    t.is(parseNspawnVersion("systemd 257 (257.9-1)\n"), 257);
    t.is(parseNspawnVersion("nspawn: unknown option\n"), undefined);
});

test("a missing tool names the Debian package that provides it", (t) => {
    const [problem] = findPrerequisiteProblems({ ...complete, missingTools: ["nsenter"] });
    t.regex(problem.hint ?? "", /apt-get install util-linux/);
    t.regex(problem.hint ?? "", /npm run bootstrap/);
});

test("all problems travel in one error with every hint", (t) => {
    const problems = findPrerequisiteProblems({ ...complete, uid: 1000, missingTools: ["apt-cacher-ng"] });
    const error = t.throws(() => throwIfProblems("BENCH_PREREQUISITE_MISSING", "cannot run", problems), { instanceOf: BenchError });
    t.is(error?.code, "BENCH_PREREQUISITE_MISSING");
    t.deepEqual(
        error?.problems.map((problem) => problem.code),
        ["BENCH_NOT_ROOT", "BENCH_TOOL_MISSING"],
    );
    t.regex(error?.hint ?? "", /apt-get install apt-cacher-ng/);
    t.regex(error?.message ?? "", /user: expected root/);
});
