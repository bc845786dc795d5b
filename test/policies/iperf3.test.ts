import test from "ava";
import { hintFor } from "../../lab";
import { iperf3PinnedToTag, iperf3TagSupportsNativeMptcp } from "../../policies/iperf3";
import { failoverTestRun, iperf3Component } from "./helpers/lab-resources";
import { resourceViolations, stackViolations, unknown, urnOf } from "./helpers/policy-args";

const pinned = test.macro({
    async exec(t, changes: Record<string, unknown>, seen: string | undefined) {
        const violations = await resourceViolations(iperf3PinnedToTag, iperf3Component("client", changes));
        if (seen === undefined) {
            t.deepEqual(violations, []);
            return;
        }
        t.is(violations.length, 1);
        t.true(violations[0].includes(`built from ${seen}, which is not a release tag`), violations[0]);
        t.true(violations[0].endsWith(`Fix: ${hintFor("iperf3-branch-not-tag")}`));
    },
    title: (title = "") => `iperf3-pinned-to-tag: ${title}`,
});

test("a release tag is pinned", pinned, { tag: "3.21" }, undefined);
test("a point release is pinned", pinned, { tag: "3.19.1" }, undefined);
test("a fork's suffixed release is pinned", pinned, { tag: "3.21-mptcp.1" }, undefined);
test("a branch is refused", pinned, { tag: "master" }, "master");
test("a tag with a v prefix is refused", pinned, { tag: "v3.21" }, "v3.21");
test("a commit hash is refused", pinned, { tag: "9f3c2a1" }, "9f3c2a1");
test("an OS package needs no tag", pinned, { from: "package", tag: "master" }, undefined);
test("a tag a preview does not know yet is left to up", pinned, { tag: unknown }, undefined);

const native = test.macro({
    async exec(t, mode: string, changes: Record<string, unknown>, refused: boolean) {
        const install = iperf3Component("server", changes);
        const violations = await stackViolations(iperf3TagSupportsNativeMptcp, [failoverTestRun({ mptcp: mode }), iperf3Component("client"), install]);
        if (!refused) {
            t.deepEqual(violations, []);
            return;
        }
        t.is(violations.length, 1);
        t.is(violations[0].urn, urnOf(install), "the violation points at the install");
        t.true(violations[0].message.includes(`built from ${String(changes.tag)}, which predates --mptcp`), violations[0].message);
        t.true(violations[0].message.endsWith(`Fix: ${hintFor("iperf3-tag-too-old")}`));
    },
    title: (title = "") => `iperf3-tag-supports-native-mptcp: ${title}`,
});

test("native mode refuses a release before 3.19", native, "native", { tag: "3.18" }, true);
test("native mode refuses an old major release", native, "native", { tag: "2.0" }, true);
test("native mode accepts 3.19", native, "native", { tag: "3.19" }, false);
test("mptcpize accepts a release before 3.19", native, "mptcpize", { tag: "3.18" }, false);
test("a mode decided at install accepts a release before 3.19", native, unknown, { tag: "3.18" }, false);
test("native mode leaves a branch to iperf3-pinned-to-tag", native, "native", { tag: "master" }, false);
test("native mode leaves an OS package alone", native, "native", { from: "package", tag: "3.18" }, false);
