import test from "ava";
import { hintFor } from "../../lab";
import { hostKeysPinned, privateKeysAreSecrets } from "../../policies/connections";
import { benchInstance, connected, connection, failoverTestRun, pinnedHostKey, remoteCommand, types } from "./helpers/lab-resources";
import type { ResourceUnderTest } from "./helpers/policy-args";
import { resourceViolations, unknown } from "./helpers/policy-args";

const connectedTypes = [types.hostState, types.mptcpEndpointState];
const typeName = (type: string) => type.split(":").pop() ?? type;

const pinned = test.macro({
    async exec(t, resource: ResourceUnderTest, seen: string[]) {
        const violations = await resourceViolations(hostKeysPinned, resource);
        t.is(violations.length, seen.length, violations.join("\n"));
        violations.forEach((message, index) => {
            t.true(message.includes(`has host key ${seen[index]} (expected a key in OpenSSH form`), message);
            t.true(message.endsWith(`Fix: ${hintFor("placeholder-value")}`));
        });
    },
    title: (title = "") => `host-keys-pinned: ${title}`,
});

const placeholder = "REPLACE-ME with the key line of: ssh-keyscan -t ed25519 198.18.0.133";
for (const type of connectedTypes) {
    test(`${typeName(type)} with an ed25519 key is pinned`, pinned, connected(type, "client"), []);
    test(`${typeName(type)} with a placeholder is refused`, pinned, connected(type, "client", { connection: connection("client", { hostKey: placeholder }) }), [JSON.stringify(placeholder)]);
}
test("a remote command with an ed25519 key is pinned", pinned, remoteCommand("client"), []);
test("a remote command with a placeholder is refused", pinned, remoteCommand("client", { hostKey: placeholder }), [JSON.stringify(placeholder)]);
test("a remote command without a host key is refused", pinned, remoteCommand("client", { hostKey: undefined }), ["nothing"]);
test("an ECDSA key with a comment is pinned", pinned, connected(types.hostState, "client", { connection: connection("client", { hostKey: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= root@client" }) }), []);
test("a base64 blob without its key type is refused", pinned, connected(types.hostState, "client", { connection: connection("client", { hostKey: "AAAAC3NzaC1lZDI1NTE5AAAAIGNsaWVudA" }) }), ["AAAAC3NzaC1lZDI1NTE5AAAAIGNsaWVudA"]);
test("a fingerprint is refused", pinned, connected(types.hostState, "client", { connection: connection("client", { hostKey: "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8" }) }), ["SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"]);
test("a connection without a host key is refused", pinned, connected(types.hostState, "client", { connection: { address: "198.18.0.133", port: 22, user: "pi", privateKey: "a private key" } }), ["nothing"]);
test("a connection that is not an object is refused", pinned, connected(types.hostState, "client", { connection: null }), ["nothing"]);
test("the failover test's connection to the server is checked too", pinned, failoverTestRun({ server: { name: "server", connection: connection("server", { hostKey: "" }) } }), ['""']);
test("a connection a preview does not know yet is left to up", pinned, connected(types.hostState, "client", { connection: unknown }), []);
test("a host key a preview does not know yet is left to up", pinned, failoverTestRun({ client: { name: "client", connection: connection("client", { hostKey: unknown }) } }), []);

const secrets = test.macro({
    async exec(t, resource: ResourceUnderTest, missing: string | undefined) {
        const violations = await resourceViolations(privateKeysAreSecrets, resource);
        if (missing === undefined) {
            t.deepEqual(violations, []);
            return;
        }
        t.is(violations.length, 1);
        t.true(violations[0].startsWith(`${resource.name} holds a private key in ${missing}, which its additionalSecretOutputs`), violations[0]);
        t.true(violations[0].includes("Fix: Register the resource with { additionalSecretOutputs:"), violations[0]);
    },
    title: (title = "") => `private-keys-are-secrets: ${title}`,
});

const withSecretOutputs = (resource: ResourceUnderTest, additionalSecretOutputs: string[]): ResourceUnderTest => ({ ...resource, additionalSecretOutputs });

for (const type of connectedTypes) {
    test(`${typeName(type)} with its connection a secret output passes`, secrets, connected(type, "server"), undefined);
    test(`${typeName(type)} without secret outputs is refused`, secrets, withSecretOutputs(connected(type, "server"), []), "connection");
}
test("a remote command with its connection a secret output passes", secrets, remoteCommand("server"), undefined);
test("a remote command without secret outputs is refused", secrets, withSecretOutputs(remoteCommand("server"), []), "connection");
test("the failover test with both hosts secret passes", secrets, failoverTestRun(), undefined);
test("the failover test with only the client secret is refused", secrets, withSecretOutputs(failoverTestRun(), ["client"]), "server");
test("the emulated bench with its private key secret passes", secrets, benchInstance(), undefined);
test("the emulated bench without secret outputs is refused", secrets, withSecretOutputs(benchInstance(), []), "privateKey");
test("a resource of another type is left alone", secrets, { type: "pulumi-nodejs:dynamic/engine-proof:LocalFile", name: "greeting", props: { hostKey: pinnedHostKey } }, undefined);
