import test from "ava";
import { hintFor } from "../../lab";
import { endpointRolesFollowProtocol, limitsCoverEndpoints } from "../../policies/endpoints";
import { addresses, benchInstance, endpointState, failoverTestRun } from "./helpers/lab-resources";
import type { ResourceUnderTest } from "./helpers/policy-args";
import { resourceViolations, stackViolations, unknown, urnOf } from "./helpers/policy-args";

type Role = "client" | "server";
type Flag = "subflow" | "signal" | "backup" | "fullmesh";

const onWlan0 = (role: Role, flags: Flag[]) => ({ address: addresses[role].wlan0, device: "wlan0", flags });

const roles = test.macro({
    async exec(t, role: Role, endpoints: unknown, refusedFlags: Flag[][]) {
        const violations = await resourceViolations(endpointRolesFollowProtocol, endpointState(role, { endpoints }));
        t.is(violations.length, refusedFlags.length, violations.join("\n"));
        violations.forEach((message, index) => {
            t.true(message.includes(`(role ${role}) has flags ${JSON.stringify(refusedFlags[index])}`), message);
            t.true(message.endsWith(`Fix: ${hintFor("endpoint-role-flags")}`));
        });
    },
    title: (title = "") => `endpoint-roles-follow-protocol: ${title}`,
});

test("a client's subflow endpoint follows the protocol", roles, "client", [onWlan0("client", ["subflow"])], []);
test("a server's signal endpoint follows the protocol", roles, "server", [onWlan0("server", ["signal"])], []);
test("a backup subflow on a client follows the protocol", roles, "client", [onWlan0("client", ["backup", "subflow"])], []);
test("a signal endpoint on a client is reported", roles, "client", [onWlan0("client", ["signal"])], [["signal"]]);
test("a subflow endpoint on a server is reported", roles, "server", [onWlan0("server", ["subflow"])], [["subflow"]]);
test("a client endpoint with both flags is reported", roles, "client", [onWlan0("client", ["signal", "subflow"])], [["signal", "subflow"]]);
test("every unsuitable endpoint is reported", roles, "server", [onWlan0("server", ["backup"]), { address: addresses.server.eth0, device: "eth0", flags: ["subflow"] }], [["backup"], ["subflow"]]);
test("endpoints a preview does not know yet are left to up", roles, "client", unknown, []);

interface LimitsCase {
    readonly resources: readonly ResourceUnderTest[];
    /** The resource and the limit each violation names, in order. */
    readonly refused: readonly { resource: ResourceUnderTest; limit: string; needed: number }[];
}

const limits = test.macro({
    async exec(t, { resources, refused }: LimitsCase) {
        const violations = await stackViolations(limitsCoverEndpoints, resources);
        t.deepEqual(
            violations.map((violation) => violation.urn),
            refused.map((expected) => urnOf(expected.resource)),
        );
        violations.forEach((violation, index) => {
            const { limit, needed } = refused[index];
            t.regex(violation.message, new RegExp(`^limits\\.${limit} \\d+ on host \\w+ \\(role \\w+\\) is below ${needed} `));
            t.true(violation.message.endsWith(`Fix: ${hintFor("limits-too-small")}`));
        });
    },
    title: (title = "") => `limits-cover-endpoints: ${title}`,
});

const seedClient = endpointState("client");
const seedServer = endpointState("server");
const serverWithoutSubflows = endpointState("server", { limits: { subflows: 0, addAddrAccepted: 0 } });
const clientRefusingAnnouncements = endpointState("client", { limits: { subflows: 2, addAddrAccepted: 0 } });
const serverSignallingItsPrimary = endpointState("server", { endpoints: [onWlan0("server", ["signal"]), { address: addresses.server.eth0, device: "eth0", flags: ["signal"] }] });
const clientSubflowOnItsPrimary = endpointState("client", {
    endpoints: [onWlan0("client", ["subflow"]), { address: addresses.client.eth0, device: "eth0", flags: ["subflow"] }],
    limits: { subflows: 2, addAddrAccepted: 1 },
});
const manySubflows = endpointState("client", {
    endpoints: [1, 2, 3, 4, 5, 6].map((octet) => ({ address: `198.18.1.${octet}`, device: `wlan${octet}`, flags: ["subflow"] })),
    limits: { subflows: 7, addAddrAccepted: 1 },
});

test("the seed lab's limits cover its endpoints", limits, { resources: [seedClient, seedServer, failoverTestRun()], refused: [] });
test("a server that accepts no subflows is refused", limits, { resources: [seedClient, serverWithoutSubflows], refused: [{ resource: serverWithoutSubflows, limit: "subflows", needed: 2 }] });
test("a client that accepts no announcements is refused", limits, {
    resources: [clientRefusingAnnouncements, seedServer],
    refused: [{ resource: clientRefusingAnnouncements, limit: "addAddrAccepted", needed: 1 }],
});
test("the server's primary address, named by the failover test, is not counted", limits, { resources: [seedClient, serverSignallingItsPrimary, failoverTestRun()], refused: [] });
test("without the failover test, the server's primary address counts", limits, {
    resources: [seedClient, serverSignallingItsPrimary],
    refused: [
        { resource: seedClient, limit: "subflows", needed: 3 },
        { resource: seedClient, limit: "addAddrAccepted", needed: 2 },
        { resource: serverSignallingItsPrimary, limit: "subflows", needed: 3 },
    ],
});
test("the client's primary address, named by the bench plan, is not counted", limits, { resources: [clientSubflowOnItsPrimary, seedServer, benchInstance()], refused: [] });
test("what the limits must cover stops at the kernel's maximum of 8", limits, {
    resources: [manySubflows, endpointState("server", { endpoints: [1, 2, 3].map((octet) => ({ address: `198.18.2.${octet}`, device: `wlan${octet}`, flags: ["signal"] })), limits: { subflows: 8, addAddrAccepted: 0 } })],
    refused: [
        { resource: manySubflows, limit: "subflows", needed: 8 },
        { resource: manySubflows, limit: "addAddrAccepted", needed: 3 },
    ],
});
test("endpoints a preview does not know yet are left to up", limits, { resources: [seedClient, endpointState("server", { endpoints: unknown, limits: { subflows: 0, addAddrAccepted: 0 } })], refused: [] });
