// Decrypting a stack's secrets as Pulumi's passphrase provider does. The values here are made with
// Node's crypto in the provider's documented scheme; test/toolchain/state-export.integration.test.ts
// holds the decryption against the real CLI's state.
import test from "ava";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configuredPassphrase, passphraseDecrypter, PassphraseSecretsError } from "../../toolchain/passphrase-secrets";

function seal(key: Buffer, plaintext: string): string {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
}

/** A provider state as `pulumi stack init` makes it for this passphrase. */
function providerState(passphrase: string): { state: string; key: Buffer } {
    const salt = crypto.randomBytes(8);
    const key = crypto.pbkdf2Sync(passphrase, salt, 1_000_000, 32, "sha256");
    return { state: `v1:${salt.toString("base64")}:${seal(key, "pulumi")}`, key };
}

const lab = providerState("correct horse");

test("a value sealed under the stack's key decrypts", async (t) => {
    const decrypt = await passphraseDecrypter("correct horse", lab.state);
    t.is(decrypt(seal(lab.key, '"-----BEGIN OPENSSH PRIVATE KEY-----"')), '"-----BEGIN OPENSSH PRIVATE KEY-----"');
});

test("the key is derived once per passphrase and state", async (t) => {
    t.is(await passphraseDecrypter("correct horse", lab.state), await passphraseDecrypter("correct horse", lab.state));
});

test("a wrong passphrase is refused by the state's check, not by garbage out", async (t) => {
    const error = await t.throwsAsync(passphraseDecrypter("wrong horse", lab.state), { instanceOf: PassphraseSecretsError });
    t.regex(error.message, /incorrect passphrase/);
});

test("a tampered value fails its authentication tag", async (t) => {
    const decrypt = await passphraseDecrypter("correct horse", lab.state);
    const [version, nonce, sealed] = seal(lab.key, "secret").split(":");
    const bytes = Buffer.from(sealed, "base64");
    bytes[0] ^= 1;
    t.throws(() => decrypt([version, nonce, bytes.toString("base64")].join(":")));
});

test("a state or value in another form is named", async (t) => {
    await t.throwsAsync(passphraseDecrypter("correct horse", "v2:c2FsdA==:x"), { message: /not "v1:<salt>:<check>"/ });
    const decrypt = await passphraseDecrypter("correct horse", lab.state);
    t.throws(() => decrypt("v0:abc"), { message: /not in the "v1:<nonce>:<ciphertext>" form/ });
});

function scratchDir(t: { teardown(fn: () => void): void }): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-passphrase-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

test("the passphrase comes from the variable, else from the file, trimmed as the CLI trims it", (t) => {
    const file = path.join(scratchDir(t), "passphrase");
    fs.writeFileSync(file, "  from the file\n");
    t.deepEqual(configuredPassphrase({ PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: file }), { passphrase: "" }, "an empty variable is a passphrase, as Pulumi's LookupEnv has it");
    t.deepEqual(configuredPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: file }), { passphrase: "from the file", file });
    t.throws(() => configuredPassphrase({}), { instanceOf: PassphraseSecretsError, message: /set PULUMI_CONFIG_PASSPHRASE/ });
    t.throws(() => configuredPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: `${file}.missing` }), { message: /cannot read PULUMI_CONFIG_PASSPHRASE_FILE/ });
});

const entryOf = (passphrase: string, state: string) => `${crypto.createHash("sha256").update(passphrase).digest("hex")}:${state}`;

test("a key derived from a file's passphrase is kept beside the file, readable by its owner only", async (t) => {
    const file = path.join(scratchDir(t), "passphrase");
    const stack = providerState("kept horse");
    await passphraseDecrypter("kept horse", stack.state, file);
    t.is(fs.statSync(`${file}.keys`).mode & 0o777, 0o600);
    const kept = JSON.parse(fs.readFileSync(`${file}.keys`, "utf8")) as Record<string, string>;
    t.deepEqual(kept, { [entryOf("kept horse", stack.state)]: stack.key.toString("base64") });
});

test("a kept key that opens the state's check is used without deriving", async (t) => {
    const file = path.join(scratchDir(t), "passphrase");
    // A state no passphrase derives: only the kept key opens it.
    const key = crypto.randomBytes(32);
    const state = `v1:${crypto.randomBytes(8).toString("base64")}:${seal(key, "pulumi")}`;
    fs.writeFileSync(`${file}.keys`, JSON.stringify({ [entryOf("any horse", state)]: key.toString("base64") }));
    const decrypt = await passphraseDecrypter("any horse", state, file);
    t.is(decrypt(seal(key, "42")), "42");
});

test("a kept key that does not open the check is ignored, and the passphrase decides", async (t) => {
    const file = path.join(scratchDir(t), "passphrase");
    const stack = providerState("right horse");
    fs.writeFileSync(`${file}.keys`, JSON.stringify({ [entryOf("wrong horse", stack.state)]: crypto.randomBytes(32).toString("base64") }));
    await t.throwsAsync(passphraseDecrypter("wrong horse", stack.state, file), { message: /incorrect passphrase/ });
});
