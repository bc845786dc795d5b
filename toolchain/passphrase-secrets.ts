// Pulumi's passphrase secrets provider, decryption only, for reading a stack's state without a
// CLI process per stack (`drift`, the converged check). The scheme is Pulumi's
// (pkg/secrets/passphrase, sdk/go/common/resource/config/crypt.go): the stack's state
// "v1:<salt>:<check>" names an 8-byte salt, the key is PBKDF2-SHA256 of the passphrase over
// 1,000,000 rounds, every value is "v1:<nonce>:<AES-256-GCM ciphertext and tag>", and <check>
// decrypts to "pulumi" when the passphrase is the right one.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const KEY_BYTES = 32;
const ROUNDS = 1_000_000;
const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const CHECK_MESSAGE = "pulumi";

export class PassphraseSecretsError extends Error {}

/** The passphrase as Pulumi's CLI reads it: PULUMI_CONFIG_PASSPHRASE, else the file, trimmed. */
export function configuredPassphrase(environment: Readonly<Record<string, string | undefined>>): string {
    if (environment.PULUMI_CONFIG_PASSPHRASE !== undefined) return environment.PULUMI_CONFIG_PASSPHRASE;
    const file = environment.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (!file) throw new PassphraseSecretsError("no passphrase for the stack's secrets: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
    try {
        return fs.readFileSync(path.resolve(file), "utf8").trim();
    } catch (error) {
        throw new PassphraseSecretsError(`cannot read PULUMI_CONFIG_PASSPHRASE_FILE ${file}: ${(error as Error).message}`, { cause: error });
    }
}

function decryptWithKey(key: Buffer, value: string): string {
    const parts = value.split(":");
    if (parts.length !== 3 || parts[0] !== "v1") throw new PassphraseSecretsError(`a secret is not in the "v1:<nonce>:<ciphertext>" form: ${value.slice(0, 12)}...`);
    const nonce = Buffer.from(parts[1], "base64");
    const sealed = Buffer.from(parts[2], "base64");
    if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) throw new PassphraseSecretsError("a secret's nonce or ciphertext has the wrong size");
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
}

/** Decrypts one value: a function of the ciphertext, for a stack's provider state. */
export type Decrypt = (ciphertext: string) => string;

// Keys by passphrase and provider state: deriving one costs a quarter of a second of CPU, and the
// stacks of one machine are read many at a time.
const derivedKeys = new Map<string, Promise<Decrypt>>();

async function derive(passphrase: string, providerState: string): Promise<Decrypt> {
    const [version, saltText] = providerState.split(":", 2);
    if (version !== "v1" || saltText === undefined) throw new PassphraseSecretsError(`the stack's passphrase state is not "v1:<salt>:<check>": ${providerState.slice(0, 12)}...`);
    const key = await new Promise<Buffer>((resolve, reject) =>
        crypto.pbkdf2(passphrase, Buffer.from(saltText, "base64"), ROUNDS, KEY_BYTES, "sha256", (error, derived) => (error ? reject(error) : resolve(derived))),
    );
    const check = providerState.slice(version.length + saltText.length + 2);
    let checked: string | undefined;
    try {
        checked = decryptWithKey(key, check);
    } catch {
        checked = undefined;
    }
    if (checked !== CHECK_MESSAGE) throw new PassphraseSecretsError("the passphrase does not unlock the stack's secrets (incorrect passphrase)");
    return (ciphertext) => decryptWithKey(key, ciphertext);
}

/** The decrypter of a passphrase provider's state ("v1:<salt>:<check>"), derived once per process. */
export function passphraseDecrypter(passphrase: string, providerState: string): Promise<Decrypt> {
    const cacheKey = `${crypto.createHash("sha256").update(passphrase).digest("hex")} ${providerState}`;
    let decrypter = derivedKeys.get(cacheKey);
    if (!decrypter) {
        decrypter = derive(passphrase, providerState);
        derivedKeys.set(cacheKey, decrypter);
        // A failure is not cached: the passphrase file may be mended while the process runs.
        decrypter.catch(() => derivedKeys.delete(cacheKey));
    }
    return decrypter;
}
