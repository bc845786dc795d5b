import test from "ava";
import {
    commandsToScript,
    compareEndpointState,
    Endpoint,
    parseEndpointState,
    parseLimits,
    planEndpointCommands,
    planRemovalCommands,
} from "../../mptcp/endpoints";

// Captured from iproute2 6.1 on kernel 6.18.
const liveOutput =
    '[{"address":"198.18.0.173","id":1,"subflow":true,"backup":true,"dev":"wlan0"},' +
    '{"address":"198.18.0.133","id":7,"signal":true,"dev":"eth0"},{"address":"198.18.0.99","id":8,"subflow":true,"implicit":true,"dev":"eth0"}]\n' +
    "--- limits\nadd_addr_accepted 0 subflows 2 \n";

const subflowOnWlan0: Endpoint = { address: "198.18.0.173", device: "wlan0", flags: ["subflow"] };

test("the endpoint table and limits are read from iproute2's JSON and text", (t) => {
    const state = parseEndpointState(liveOutput, new Set(["198.18.0.133"]));
    t.deepEqual(state.endpoints, [
        { address: "198.18.0.99", device: "eth0", flags: ["subflow"] },
        { address: "198.18.0.133", device: "eth0", flags: ["signal"], id: 7 },
        { address: "198.18.0.173", device: "wlan0", flags: ["backup", "subflow"] },
    ]);
    t.deepEqual(state.limits, { subflows: 2, addAddrAccepted: 0 });
    t.deepEqual(state.unmanagedFlags, { "198.18.0.99": ["implicit"] });
    t.is(state.ids["198.18.0.173"], 1);
});

test("an empty endpoint table parses as no endpoints", (t) => {
    t.deepEqual(parseEndpointState("[]\n--- limits\nadd_addr_accepted 4 subflows 2\n").endpoints, []);
});

test("limits output without a value is rejected with the text seen", (t) => {
    const error = t.throws(() => parseLimits("subflows 2"));
    t.regex(error.message, /add_addr_accepted/);
});

test("the plan turns the live table into exactly the declared one and keeps matching endpoints", (t) => {
    const live = parseEndpointState(
        '[{"address":"198.18.0.173","id":1,"subflow":true,"dev":"wlan0"},{"address":"198.18.0.99","id":2,"subflow":true,"dev":"eth0"}]\n--- limits\nadd_addr_accepted 0 subflows 2\n',
    );
    const commands = planEndpointCommands(live, { endpoints: [subflowOnWlan0], limits: { subflows: 2, addAddrAccepted: 4 } });
    t.deepEqual(commands, [
        ["ip", "mptcp", "endpoint", "delete", "id", "2"],
        ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "4"],
    ]);
});

test("a changed flag is applied by deleting and re-adding that endpoint", (t) => {
    const live = parseEndpointState('[{"address":"198.18.0.173","id":3,"backup":true,"dev":"wlan0"}]\n--- limits\nadd_addr_accepted 4 subflows 2\n');
    const commands = planEndpointCommands(live, { endpoints: [subflowOnWlan0], limits: { subflows: 2, addAddrAccepted: 4 } });
    t.deepEqual(commands, [
        ["ip", "mptcp", "endpoint", "delete", "id", "3"],
        ["ip", "mptcp", "endpoint", "add", "198.18.0.173", "dev", "wlan0", "subflow"],
    ]);
});

test("nothing is planned when the host already matches", (t) => {
    const live = parseEndpointState('[{"address":"198.18.0.173","id":3,"subflow":true,"dev":"wlan0"}]\n--- limits\nadd_addr_accepted 4 subflows 2\n');
    t.deepEqual(planEndpointCommands(live, { endpoints: [subflowOnWlan0], limits: { subflows: 2, addAddrAccepted: 4 } }), []);
});

test("removal deletes only the endpoints mptcp-lab added and restores the earlier limits", (t) => {
    const live = parseEndpointState(liveOutput);
    t.deepEqual(planRemovalCommands(live, [subflowOnWlan0], { subflows: 2, addAddrAccepted: 0 }), [
        ["ip", "mptcp", "endpoint", "delete", "id", "1"],
        ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "0"],
    ]);
});

test("an unsafe device name never reaches the script", (t) => {
    const live = parseEndpointState("[]\n--- limits\nadd_addr_accepted 0 subflows 2\n");
    const error = t.throws(() => planEndpointCommands(live, { endpoints: [{ ...subflowOnWlan0, device: "wlan0;reboot" }], limits: { subflows: 2, addAddrAccepted: 0 } }));
    t.is((error as Error & { code: string }).code, "unsafe-value");
});

test("every word of a planned command is quoted in the script", (t) => {
    t.is(commandsToScript([["ip", "mptcp", "endpoint", "delete", "id", "2"]]), "'ip' 'mptcp' 'endpoint' 'delete' 'id' '2'\n");
});

const difference = test.macro((t, live: string, expected: ReturnType<typeof compareEndpointState>) => {
    const declared = { endpoints: [subflowOnWlan0], limits: { subflows: 2, addAddrAccepted: 4 } };
    t.deepEqual(compareEndpointState(declared, parseEndpointState(live)), expected);
});

test("a deleted endpoint is reported as absent", difference, "[]\n--- limits\nadd_addr_accepted 4 subflows 2\n", [
    { field: "endpoints[198.18.0.173]", expected: "198.18.0.173 dev wlan0 subflow", actual: "absent" },
]);
test("a changed flag is reported as that endpoint's flags", difference, '[{"address":"198.18.0.173","id":1,"backup":true,"dev":"wlan0"}]\n--- limits\nadd_addr_accepted 4 subflows 2\n', [
    { field: "endpoints[198.18.0.173].flags", expected: "subflow", actual: "backup" },
]);
test("a changed device is reported as that endpoint's device", difference, '[{"address":"198.18.0.173","id":1,"subflow":true,"dev":"eth0"}]\n--- limits\nadd_addr_accepted 4 subflows 2\n', [
    { field: "endpoints[198.18.0.173].device", expected: "wlan0", actual: "eth0" },
]);
test("changed limits are reported per limit", difference, '[{"address":"198.18.0.173","id":1,"subflow":true,"dev":"wlan0"}]\n--- limits\nadd_addr_accepted 0 subflows 8\n', [
    { field: "limits.subflows", expected: "2", actual: "8" },
    { field: "limits.addAddrAccepted", expected: "4", actual: "0" },
]);
test("an extra endpoint is reported as unexpected", difference, '[{"address":"198.18.0.173","id":1,"subflow":true,"dev":"wlan0"},{"address":"198.18.0.5","id":2,"subflow":true,"dev":"eth0"}]\n--- limits\nadd_addr_accepted 4 subflows 2\n', [
    { field: "endpoints[198.18.0.5]", expected: "absent", actual: "198.18.0.5 dev eth0 subflow" },
]);
