// The drift report without an engine: engine events to host and field drift, the text and JSON
// forms, the exit codes, and the codes of errors that keep a stack from being checked.
import test from "ava";
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { expectedBootUnit } from "../../components/mptcp-boot-unit";
import { forEngine, hintFor, parseCodedErrors } from "../../errors";
import { RemoteStepError } from "../../remote/ssh";
import { EXIT_DRIFT, EXIT_FAILURE, EXIT_OK } from "../../cli/command";
import { driftTargets, engineErrorMessages, stackDriftFromEvents } from "../../cli/drift-events";
import { checkError, codedCheckError, type DriftErrorCode, driftReport, type DriftReport, exitCodeOf, failedStack, type FieldDrift, formatDriftReport, type StackDrift } from "../../cli/drift-report";
import { clientTable, clientWlan, endpointStep, engineError, hostRefresh, hostStep, seedLimits } from "./helpers/drift-events";
import { SecondEndpointManagerError } from "../../remote/endpoint-managers";

const bootId = "47095524-4651-4625-b49a-27fb72aa4b47";
const newBootId = "2fc95a5e-25b5-4b40-b3fc-1fd3000fde6c";
const healthy = { mptcpEnabled: true, persisted: true };

/** A client whose boot id did not change, with its HostState and endpoints as given. */
const client = (live: Parameters<typeof endpointStep>[2], host = healthy, declared = clientTable): EngineEvent[] => [
    hostRefresh("client", bootId, bootId),
    hostStep("client", host),
    endpointStep("client", declared, live),
];

const driftOf = test.macro({
    exec(t, events: EngineEvent[], expected: FieldDrift[]) {
        const stack = stackDriftFromEvents("t-unit", events);
        t.is(stack.status, expected.length > 0 ? "drift" : "clean");
        t.deepEqual(stack.hosts.flatMap((host) => host.drift), expected);
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
test("MPTCP switched off is reported as net.mptcp.enabled 0", driftOf, client(clientTable, { mptcpEnabled: false, persisted: true }), [
    { resource: "HostState", field: "net.mptcp.enabled", expected: "1", actual: "0" },
]);
test("a changed sysctl.d file is reported", driftOf, client(clientTable, { mptcpEnabled: true, persisted: false }), [
    { resource: "HostState", field: "sysctl.d file", expected: "as mptcp-lab writes it", actual: "missing or changed" },
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

test("a changed boot id marks the host as rebooted, with both ids", (t) => {
    const events = [hostRefresh("client", bootId, newBootId), hostStep("client", healthy), endpointStep("client", clientTable, { endpoints: [], limits: { subflows: 2, addAddrAccepted: 0 } })];
    const [host] = stackDriftFromEvents("t-unit", events).hosts;
    t.true(host.rebooted);
    t.deepEqual(host.bootId, { lastUp: bootId, now: newBootId });
});

test("an unchanged boot id leaves the host not rebooted", (t) => {
    t.false(stackDriftFromEvents("t-unit", client({ endpoints: [], limits: seedLimits })).hosts[0].rebooted);
});

test("hosts are listed by name whatever the order of the events", (t) => {
    const events = [...client(clientTable), hostRefresh("alpha", bootId, bootId), hostStep("alpha", healthy)].reverse();
    t.deepEqual(stackDriftFromEvents("t-unit", events).hosts.map((host) => host.host), ["alpha", "client"]);
});

test("a resource the next up would create is a pending change, not drift", (t) => {
    const events = [...client(clientTable), endpointStep("server", clientTable, undefined, "create")];
    const stack = stackDriftFromEvents("t-unit", events);
    t.is(stack.status, "clean");
    t.deepEqual(stack.hosts.map((host) => host.host), ["client"]);
});

test("a stack without hosts in its state is an error, never clean", (t) => {
    const stack = stackDriftFromEvents("t-unit", [endpointStep("client", clientTable, undefined, "create")]);
    t.is(stack.status, "error");
    t.is(stack.error?.code, "not-deployed");
    t.deepEqual(stack.hosts, []);
});

test("the refresh targets only the hosts' HostState and MptcpEndpointState", (t) => {
    t.deepEqual(driftTargets("t-unit"), [
        "urn:pulumi:t-unit::**$pulumi-nodejs:dynamic/mptcp-lab:HostState::*",
        "urn:pulumi:t-unit::**$pulumi-nodejs:dynamic/mptcp-lab:MptcpEndpointState::*",
    ]);
});

test("resource errors come before the engine's summary, without colour codes", (t) => {
    const events = [engineError("preview failed"), engineError("\u001b[31mclient: read host facts: cannot connect to root@198.19.6.10:22\u001b[0m", "urn:x")];
    t.deepEqual(engineErrorMessages(events), ["client: read host facts: cannot connect to root@198.19.6.10:22", "preview failed"]);
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

test("the JSON report of clean, drifted and failed stacks follows the documented schema", (t) => {
    const rebooted = stackDriftFromEvents("d", [hostRefresh("client", bootId, newBootId), hostStep("client", healthy), endpointStep("client", clientTable, { endpoints: [], limits: seedLimits })]);
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

test("a rebooted host's lost endpoints are put down to the reboot", (t) => {
    const events = [hostRefresh("client", bootId, newBootId), hostStep("client", healthy), endpointStep("client", clientTable, { endpoints: [], limits: seedLimits })];
    const output = formatDriftReport(driftReport([stackDriftFromEvents("d", events)]));
    t.regex(output, /note: client rebooted since the last up \(boot id 47095524 -> 2fc95a5e\): its endpoints and limits were lost at the reboot/);
});

test("a rebooted host without drift is said to have kept its endpoints", (t) => {
    const events = [hostRefresh("client", bootId, newBootId), hostStep("client", healthy), endpointStep("client", clientTable, clientTable)];
    t.regex(formatDriftReport(driftReport([stackDriftFromEvents("d", events)])), /d: clean \(client\)\n {2}note: client rebooted since the last up \(boot id 47095524 -> 2fc95a5e\); its endpoints and limits survived it/);
});
