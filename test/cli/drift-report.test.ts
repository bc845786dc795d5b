// The drift report without hosts: what a stack's state, its lab and its hosts' reads add up to,
// the text and JSON forms, the exit codes, and the codes of errors that keep a stack from being
// checked.
import test from "ava";
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { expectedBootUnit } from "../../components/mptcp-boot-unit";
import { forEngine, hintFor, parseCodedErrors } from "../../errors";
import { RemoteStepError } from "../../remote/ssh";
import { EXIT_DRIFT, EXIT_FAILURE, EXIT_OK } from "../../cli/command";
import { checkStackDrift } from "../../cli/drift";
import { checkError, codedCheckError, type DriftErrorCode, driftReport, type DriftReport, exitCodeOf, failedStack, type FieldDrift, formatDriftReport, type StackDrift } from "../../cli/drift-report";
import { clientTable, clientWlan, type EndpointTable, type FakeHost, fakeSources, seedLimits } from "./helpers/drift-sources";
import { SecondEndpointManagerError } from "../../remote/endpoint-managers";

const bootId = "47095524-4651-4625-b49a-27fb72aa4b47";
const newBootId = "2fc95a5e-25b5-4b40-b3fc-1fd3000fde6c";
const healthy = { mptcpEnabled: true, persisted: true };

/** A client whose boot id did not change, with its HostState and endpoints as given. */
const client = (table: EndpointTable, live = healthy, declared = clientTable): FakeHost => ({ name: "client", declared, live, bootIdAtLastUp: bootId, table });
const checked = (hosts: FakeHost[]) => checkStackDrift("t-unit", fakeSources(hosts));

const driftOf = test.macro({
    async exec(t, host: FakeHost, expected: FieldDrift[]) {
        const stack = await checked([host]);
        t.is(stack.status, expected.length > 0 ? "drift" : "clean");
        t.deepEqual(stack.hosts.flatMap((each) => each.drift), expected);
    },
    title: (title = "") => title,
});

const endpoints = (field: string, expected: string, actual: string): FieldDrift => ({ resource: "MptcpEndpointState", field, expected, actual });

test("a host with the declared endpoints, limits and MPTCP switch has no drift", driftOf, client(clientTable), []);
test("a deleted endpoint is reported as absent", driftOf, client({ endpoints: [], limits: seedLimits }), [endpoints("endpoints[198.18.6.173]", "198.18.6.173 dev wlan0 subflow", "absent")]);
test("an endpoint turned from subflow to backup is reported as a change of flags", driftOf, client({ endpoints: [{ ...clientWlan, flags: ["backup"] }], limits: seedLimits }), [
    endpoints("endpoints[198.18.6.173].flags", "subflow", "backup"),
]);
test("an endpoint moved to another device is reported as a change of device", driftOf, client({ endpoints: [{ ...clientWlan, device: "eth0" }], limits: seedLimits }), [
    endpoints("endpoints[198.18.6.173].device", "wlan0", "eth0"),
]);
test("changed limits are reported one limit at a time", driftOf, client({ endpoints: [clientWlan], limits: { subflows: 1, addAddrAccepted: 0 } }), [
    endpoints("limits.subflows", "2", "1"),
    endpoints("limits.addAddrAccepted", "2", "0"),
]);
test("an endpoint nobody declared is reported as unexpected", driftOf, client({ endpoints: [clientWlan, { address: "198.18.6.133", device: "eth0", flags: ["subflow"] }], limits: seedLimits }), [
    endpoints("endpoints[198.18.6.133]", "absent", "198.18.6.133 dev eth0 subflow"),
]);
test("the lab's endpoints are compared in the order the provider keeps, whatever the stack file's order", driftOf, client({ endpoints: [{ address: "198.18.6.9", device: "eth0", flags: ["subflow"] }, clientWlan], limits: seedLimits }, healthy, {
    endpoints: [clientWlan, { address: "198.18.6.9", device: "eth0", flags: ["subflow"] }],
    limits: seedLimits,
}), []);
test("MPTCP switched off is reported as net.mptcp.enabled 0", driftOf, client(clientTable, { mptcpEnabled: false, persisted: true }), [
    { resource: "HostState", field: "net.mptcp.enabled", expected: "1", actual: "0" },
]);
test("a changed sysctl.d file is reported", driftOf, client(clientTable, { mptcpEnabled: true, persisted: false }), [
    { resource: "HostState", field: "sysctl.d file", expected: "as mptcp-lab writes it", actual: "missing or changed" },
]);
test("a lab edited since the last up is held against the host: the next up would change it", driftOf, client(clientTable, healthy, { endpoints: [{ ...clientWlan, flags: ["backup"] }], limits: seedLimits }), [
    endpoints("endpoints[198.18.6.173].flags", "backup", "subflow"),
]);

const persisted = { ...clientTable, persist: true };
const unit = expectedBootUnit(persisted);
test("a host with its boot unit installed and enabled has no drift", driftOf, client({ ...clientTable, bootUnitSha256: unit.sha256, bootUnitEnabled: true }, healthy, persisted), []);
test("a missing boot unit is reported by its hash", driftOf, client(clientTable, healthy, persisted), [endpoints("bootUnit", `sha256:${unit.sha256.slice(0, 12)}`, "absent")]);
test("an edited boot unit is reported by its hash", driftOf, client({ ...clientTable, bootUnitSha256: "f".repeat(64), bootUnitEnabled: true }, healthy, persisted), [
    endpoints("bootUnit", `sha256:${unit.sha256.slice(0, 12)}`, "sha256:ffffffffffff"),
]);
test("a disabled boot unit is reported", driftOf, client({ ...clientTable, bootUnitSha256: unit.sha256, bootUnitEnabled: false }, healthy, persisted), [endpoints("bootUnit.enabled", "yes", "no")]);
test("a boot unit left behind without persist is reported", driftOf, client({ ...clientTable, bootUnitSha256: unit.sha256, bootUnitEnabled: true }), [endpoints("bootUnit", "absent", `sha256:${unit.sha256.slice(0, 12)}`)]);

test("a changed boot id marks the host as rebooted, with both ids", async (t) => {
    const [host] = (await checked([{ ...client({ endpoints: [], limits: { subflows: 2, addAddrAccepted: 0 } }), bootIdNow: newBootId }])).hosts;
    t.true(host.rebooted);
    t.deepEqual(host.bootId, { lastUp: bootId, now: newBootId });
});

test("an unchanged boot id leaves the host not rebooted", async (t) => {
    t.false((await checked([client({ endpoints: [], limits: seedLimits })])).hosts[0].rebooted);
});

test("hosts are listed by name whatever their order in the state", async (t) => {
    const alpha: FakeHost = { name: "alpha", declared: clientTable, live: healthy, bootIdAtLastUp: bootId };
    t.deepEqual((await checked([client(clientTable), alpha])).hosts.map((host) => host.host), ["alpha", "client"]);
});

test("a host only the lab declares is a pending create, and one only the state has a pending delete: neither is drift", async (t) => {
    const created: FakeHost = { name: "server", declared: clientTable };
    const deleted: FakeHost = { name: "old", live: { mptcpEnabled: false, persisted: false }, table: { endpoints: [], limits: seedLimits } };
    const stack = await checked([client(clientTable), created, deleted]);
    t.is(stack.status, "clean");
    t.deepEqual(stack.hosts.map((host) => host.host), ["client"]);
});

test("a stack without hosts in its state is an error, never clean", async (t) => {
    const stack = await checked([{ name: "client", declared: clientTable }]);
    t.is(stack.status, "error");
    t.is(stack.error?.code, "not-deployed");
    t.deepEqual(stack.hosts, []);
});

/** The text of an engine diagnostic for a provider that threw `error`. */
const diagnosticOf = (error: Error) => `error: ${(forEngine(error) as Error).message}`;

const classified = test.macro({
    exec(t, error: Error, code: DriftErrorCode) {
        const [coded] = parseCodedErrors(diagnosticOf(error));
        t.like(codedCheckError("t-unit", coded), { code, reason: (error as RemoteStepError).code, host: "client", step: "read host facts" });
    },
    title: (_title, error: Error, code: DriftErrorCode) => `a provider's ${(error as RemoteStepError).code} error is a check error ${code}`,
});
test(classified, new RemoteStepError("ssh-connect", "client", "read host facts", "cannot connect to root@198.19.6.10:22: connect ECONNREFUSED 198.19.6.10:22"), "host-unreachable");
test(classified, new RemoteStepError("ssh-host-key", "client", "read host facts", "the host key presented by 172.31.0.218 is not the pinned one"), "host-key-mismatch");
test(classified, new RemoteStepError("remote-step-failed", "client", "read host facts", "exited with 1: Error: unknown command"), "check-failed");
test(classified, new RemoteStepError("remote-step-timeout", "client", "read host facts", "stopped on the host after 60 s"), "check-failed");

test("a check error from a coded error keeps the provider's message without its coded line, and the stack in its hint", (t) => {
    const [coded] = parseCodedErrors(diagnosticOf(new RemoteStepError("ssh-connect", "client", "read host facts", "cannot connect to root@198.19.6.10:22")));
    const error = codedCheckError("t-unit", coded);
    t.is(error.message, "client: read host facts: cannot connect to root@198.19.6.10:22");
    t.is(error.hint, hintFor("host-unreachable", { stack: "t-unit" }));
    t.true(error.hint.includes("--stack t-unit"));
});
test("NetworkManager or mptcpd writing the endpoint table is the check error second-endpoint-manager, with the host and the step", (t) => {
    const [coded] = parseCodedErrors(diagnosticOf(new SecondEndpointManagerError("client", [{ name: "mptcpd", detail: "mptcpd is active", fix: "systemctl disable --now mptcpd" }])));
    t.like(codedCheckError("t-unit", coded), { code: "second-endpoint-manager", reason: "second-endpoint-manager", host: "client", step: "check for a second endpoint manager" });
});

const clean: StackDrift = { stack: "a", status: "clean", hosts: [{ host: "client", rebooted: false, drift: [] }] };
const drifted: StackDrift = { stack: "b", status: "drift", hosts: [{ host: "client", rebooted: false, drift: [endpoints("limits.subflows", "2", "1")] }] };
const broken = failedStack("c", checkError("c", "host-unreachable", "client: read host facts: cannot connect to root@198.19.6.10:22"));
const brokenCoded = failedStack("e", { ...broken.error!, reason: "ssh-connect", host: "client", step: "read host facts" });

const exitCode = test.macro({
    exec(t, stacks: StackDrift[], code: number) {
        t.is(exitCodeOf(driftReport(stacks)), code);
    },
    title: (title = "") => title,
});
test("no drift anywhere exits 0", exitCode, [clean, clean], EXIT_OK);
test("drift in one stack exits 2", exitCode, [clean, drifted], EXIT_DRIFT);
test("a stack that could not be checked exits 1 even beside drift", exitCode, [drifted, broken, clean], EXIT_FAILURE);
test("no stack at all exits 0", exitCode, [], EXIT_OK);

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "../../docs/drift-report.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true, strict: true }).compile<DriftReport>(schema);

/** Stack `d`, whose client rebooted since the last up and has `table` now. */
const rebootedStack = (table: EndpointTable) => checkStackDrift("d", fakeSources([{ ...client(table), bootIdNow: newBootId }]));

test("the JSON report of clean, drifted and failed stacks follows the documented schema", async (t) => {
    const rebooted = await rebootedStack({ endpoints: [], limits: seedLimits });
    const report = JSON.parse(JSON.stringify(driftReport([clean, drifted, broken, brokenCoded, rebooted])));
    t.true(validate(report), JSON.stringify(validate.errors));
    t.is(report.version, 1);
    t.is(report.status, "error");
});

const rejected = test.macro({
    exec(t, report: unknown) {
        t.false(validate(report));
    },
    title: (title = "") => title,
});
test("the schema rejects a report without a version", rejected, { status: "clean", stacks: [] });
test("the schema rejects an error reported with hosts", rejected, { version: 1, status: "error", stacks: [{ ...broken, hosts: clean.hosts }] });
test("the schema rejects drift that carries an error", rejected, { version: 1, status: "drift", stacks: [{ ...drifted, error: broken.error }] });

const text = test.macro({
    exec(t, stacks: StackDrift[], expected: string[]) {
        t.deepEqual(formatDriftReport(driftReport(stacks)).split("\n"), [...expected, ""]);
    },
    title: (title = "") => title,
});
test("a clean stack is one line naming its hosts", text, [clean], ["a: clean (client)", "drift: 1 stack(s) checked: 1 clean, 0 drifted, 0 not checked"]);
test("drift is a table of host, resource, field, expected and actual, with the repair", text, [drifted], [
    "b: drift",
    "  HOST    RESOURCE            FIELD            EXPECTED  ACTUAL",
    "  client  MptcpEndpointState  limits.subflows  2         1",
    "  repair: mptcp-lab up --stack b",
    "drift: 1 stack(s) checked: 0 clean, 1 drifted, 0 not checked",
]);
test("an error prints its code, message and hint", text, [broken], [
    "c: error host-unreachable: client: read host facts: cannot connect to root@198.19.6.10:22",
    `  hint: ${broken.error!.hint}`,
    "drift: 1 stack(s) checked: 0 clean, 0 drifted, 1 not checked",
]);
test("an error a provider reported with a code names that code too", text, [brokenCoded], [
    "e: error host-unreachable: client: read host facts: cannot connect to root@198.19.6.10:22 (ssh-connect)",
    `  hint: ${broken.error!.hint}`,
    "drift: 1 stack(s) checked: 0 clean, 0 drifted, 1 not checked",
]);

test("a rebooted host's lost endpoints are put down to the reboot", async (t) => {
    const output = formatDriftReport(driftReport([await rebootedStack({ endpoints: [], limits: seedLimits })]));
    t.regex(output, /note: client rebooted since the last up \(boot id 47095524 -> 2fc95a5e\): its endpoints and limits were lost at the reboot/);
});

test("a rebooted host without drift is said to have kept its endpoints", async (t) => {
    t.regex(formatDriftReport(driftReport([await rebootedStack(clientTable)])), /d: clean \(client\)\n {2}note: client rebooted since the last up \(boot id 47095524 -> 2fc95a5e\); its endpoints and limits survived it/);
});
