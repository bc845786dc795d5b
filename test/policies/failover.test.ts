import test from "ava";
import { hintFor, type ProblemCode } from "../../lab";
import { failoverOnPrimaryPath, failoverRestoresLink, failoverSparesManagementPath } from "../../policies/failover";
import { addresses, benchInstance, connection, failoverTestRun } from "./helpers/lab-resources";
import type { ResourceUnderTest } from "./helpers/policy-args";
import { resourceViolations, stackViolations, unknown, urnOf } from "./helpers/policy-args";

const restores = test.macro({
    async exec(t, changes: Record<string, unknown>, refusedAs: ProblemCode | undefined) {
        const run = failoverTestRun(changes);
        if (changes.upAtSeconds === undefined) delete run.props.upAtSeconds;
        const violations = await resourceViolations(failoverRestoresLink, run);
        if (refusedAs === undefined) {
            t.deepEqual(violations, []);
            return;
        }
        t.is(violations.length, 1);
        t.true(violations[0].startsWith(`wlan0 on the client comes back at upAtSeconds ${String(changes.upAtSeconds)}`), violations[0]);
        t.true(violations[0].endsWith(`Fix: ${hintFor(refusedAs)}`));
    },
    title: (title = "") => `failover-restores-link: ${title}`,
});

test("a link restored at the end of the test passes", restores, {}, undefined);
test("a link back in the middle of the test passes", restores, { upAtSeconds: 7 }, undefined);
test("a link back exactly at the end passes", restores, { upAtSeconds: 10 }, undefined);
test("a link back when it goes down is refused", restores, { upAtSeconds: 3 }, "failover-up-before-down");
test("a link back before it goes down is refused", restores, { upAtSeconds: 1 }, "failover-up-before-down");
test("a link back after the end is refused", restores, { upAtSeconds: 12 }, "failover-up-after-end");
test("a time a preview does not know yet is left to up", restores, { upAtSeconds: unknown }, undefined);

const failingServerPrimary = { failingHost: "server", failingInterface: "eth0", failingAddress: addresses.server.eth0 };
const failingClientPrimary = { failingHost: "client", failingInterface: "eth0", failingAddress: addresses.client.eth0 };

const primary = test.macro({
    async exec(t, resources: ResourceUnderTest[], reported: boolean) {
        const violations = await stackViolations(failoverOnPrimaryPath, resources);
        if (!reported) {
            t.deepEqual(violations, []);
            return;
        }
        const run = resources.find((resource) => resource.name === "failover-run");
        t.deepEqual(
            violations.map((violation) => violation.urn),
            [run && urnOf(run)],
        );
        t.regex(violations[0].message, /^failingInterface eth0 \(198\.18\.0\.\d+\) is the primary path of (client|server), /);
        t.true(violations[0].message.endsWith(`Fix: ${hintFor("failover-primary-path")}`));
    },
    title: (title = "") => `failover-on-primary-path: ${title}`,
});

test("failing a secondary interface passes", primary, [failoverTestRun(), benchInstance()], false);
test("failing the server's primary interface is reported", primary, [failoverTestRun(failingServerPrimary)], true);
test("failing the primary interface under mptcpize passes", primary, [failoverTestRun({ ...failingServerPrimary, mptcp: "mptcpize" })], false);
test("failing the primary interface with the mode decided at install is reported", primary, [failoverTestRun({ ...failingServerPrimary, mptcp: unknown })], true);
test("failing the client's primary interface on a bench is reported", primary, [failoverTestRun(failingClientPrimary), benchInstance()], true);
test("failing a real client's eth0 is not reported, its primary address being unknown", primary, [failoverTestRun(failingClientPrimary)], false);

const management = test.macro({
    async exec(t, changes: Record<string, unknown>, reported: boolean) {
        const violations = await resourceViolations(failoverSparesManagementPath, failoverTestRun(changes));
        if (!reported) {
            t.deepEqual(violations, []);
            return;
        }
        t.is(violations.length, 1);
        t.true(violations[0].startsWith(`the controller reaches client at ${addresses.client.wlan0}, the address of the failing wlan0`), violations[0]);
        t.true(violations[0].endsWith(`Fix: ${hintFor("failover-management-path")}`));
    },
    title: (title = "") => `failover-spares-management-path: ${title}`,
});

test("failing an interface the controller does not use passes", management, {}, false);
test("failing the interface the controller connects over is reported", management, { client: { name: "client", connection: connection("client", { address: addresses.client.wlan0 }) } }, true);
test("a connection a preview does not know yet is left to up", management, { client: { name: "client", connection: unknown } }, false);
