import test from "ava";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { load } from "js-yaml";
import { join } from "node:path";
import { LabError, loadLabFromStackFile, validateLabText } from "../../lab";
import labSchema from "../../lab/schema.json";
import stackFileSchema from "../../lab/stack-file.schema.json";
import { BAD_DIR, GOOD_DIR, placeOf, readFixture, STACKS_DIR } from "./fixtures";

const REAL_LOOKING_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly00000000000000000000";

test("the emulated stack file holds a valid lab on the emulated bench", (t) => {
    const { spec, warnings } = loadLabFromStackFile(join(STACKS_DIR, "Pulumi.emulated.yaml"));
    t.deepEqual(warnings, []);
    t.like(spec.bench, { name: "emulated", subnet: "198.18.0.0/24", managementSubnet: "198.19.0.0/24", suite: "trixie" });
    t.deepEqual(
        spec.hosts.map((host) => [host.name, host.role, host.interfaces.map((entry) => `${entry.name}=${entry.cidr}`), host.headers.package, host.connection]),
        [
            ["client", "client", ["eth0=198.18.0.133/24", "wlan0=198.18.0.173/24"], "linux-libc-dev", undefined],
            ["server", "server", ["eth0=198.18.0.218/24", "wlan0=198.18.0.237/24"], "linux-libc-dev", undefined],
        ],
    );
    t.deepEqual(spec.iperf3, { from: "source", repository: "https://github.com/esnet/iperf.git", tag: "3.21", configureFlags: [], mptcp: "native" }, "the seed's own build, by default");
    t.like(spec.failover, { host: "client", interface: "wlan0", durationSeconds: 10, downAtSeconds: 3, upAtSeconds: 7 });
});

test("the seed-lab stack file is refused only for its two host-key placeholders", (t) => {
    const file = "stacks/Pulumi.seed-lab.yaml";
    const result = validateLabText(readFixture(STACKS_DIR, "Pulumi.seed-lab.yaml"), file);
    t.is(result.spec, undefined);
    t.deepEqual(result.problems.map(placeOf), [
        "placeholder-value 14:20 hosts.client.connection.hostKey",
        "placeholder-value 25:20 hosts.server.connection.hostKey",
    ]);
});

test("the seed-lab stack file is clean once real host keys replace the placeholders", (t) => {
    const text = readFixture(STACKS_DIR, "Pulumi.seed-lab.yaml").replace(/"REPLACE-ME[^"]*"/g, `"${REAL_LOOKING_KEY}"`);
    const result = validateLabText(text, "Pulumi.seed-lab.yaml");
    t.deepEqual(result.problems, []);
    const spec = result.spec;
    t.is(spec?.bench, undefined);
    t.deepEqual(
        spec?.hosts.map((host) => [host.name, host.connection?.address, host.connection?.user, host.interfaces.map((entry) => entry.address), host.endpoints.map((endpoint) => endpoint.flags.join())]),
        [
            ["client", "172.31.0.133", "pi", ["172.31.0.133", "172.31.0.173"], ["subflow"]],
            ["server", "172.31.0.218", "pi", ["172.31.0.218", "172.31.0.237"], ["signal"]],
        ],
    );
    t.deepEqual(spec?.iperf3, { from: "source", repository: "https://github.com/esnet/iperf.git", tag: "3.21", configureFlags: [], mptcp: "native" });
});

test("a lab under another config key is found when that key is asked for", (t) => {
    const text = readFixture(STACKS_DIR, "Pulumi.emulated.yaml").replace("mptcp-lab:lab:", "other:lab:");
    t.truthy(validateLabText(text, "stack.yaml", { key: "other:lab" }).spec);
    t.deepEqual(validateLabText(text, "stack.yaml").problems.map((problem) => problem.code), ["stack-lab-missing"]);
});

test("the stack-file schema gives editors the same verdict on the shipped stack files", (t) => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv, ["ipv4"]);
    ajv.addSchema(labSchema, "schema.json");
    const validate = ajv.compile(stackFileSchema);
    t.true(validate(load(readFixture(STACKS_DIR, "Pulumi.emulated.yaml"))));
    t.false(validate(load(readFixture(STACKS_DIR, "Pulumi.seed-lab.yaml"))));
    t.deepEqual(
        (validate.errors ?? []).map((error) => error.instancePath),
        ["/config/mptcp-lab:lab/hosts/client/connection/hostKey", "/config/mptcp-lab:lab/hosts/server/connection/hostKey"],
    );
});

test("a bad lab in a stack file is reported at its place in the stack file", (t) => {
    const error = t.throws(() => loadLabFromStackFile(join(BAD_DIR, "stack-endpoint-foreign-address.yaml")), { instanceOf: LabError });
    t.deepEqual(error?.problems.map(placeOf), ["endpoint-foreign-address 17:24 hosts.client.endpoints[0].address"]);
});

test("a lab file of its own is not a stack file", (t) => {
    const error = t.throws(() => loadLabFromStackFile(join(GOOD_DIR, "seed-lab.yaml")), { instanceOf: LabError });
    t.deepEqual(error?.problems.map((problem) => problem.code), ["stack-lab-missing"]);
});
