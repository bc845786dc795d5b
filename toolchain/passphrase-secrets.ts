// Pulumi's passphrase secrets provider, decryption only, for reading a stack's state without a
// CLI process per stack (`drift`, the converged check, `report`). The scheme is Pulumi's
// (pkg/secrets/passphrase, sdk/go/common/resource/config/crypt.go): the stack's state
// "v1:<salt>:<check>" names an 8-byte salt, the key is PBKDF2-SHA256 of the passphrase over
// 1,000,000 rounds, every value is "v1:<nonce>:<AES-256-GCM ciphertext and tag>", and <check>
// decrypts to "pulumi" when the passphrase is the right one.
//
// A derived key costs a quarter of a second of CPU, once per stack and process. When the
// passphrase is read from a file, the keys derived from it are kept in a second file beside it
// (`<file>.keys`, mode 0600): whoever can read that file can read the passphrase anyway.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const KEY_BYTES = 32;
const ROUNDS = 1_000_000;
const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const CHECK_MESSAGE = "pulumi";

export class PassphraseSecretsError extends Error {}

/** The passphrase as Pulumi's CLI reads it (PULUMI_CONFIG_PASSPHRASE, else the file, trimmed), and the file it came from. */
export function configuredPassphrase(environment: Readonly<Record<string, string | undefined>>): { passphrase: string; file?: string } {
    if (environment.PULUMI_CONFIG_PASSPHRASE !== undefined) return { passphrase: environment.PULUMI_CONFIG_PASSPHRASE };
    const file = environment.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (!file) throw new PassphraseSecretsError("no passphrase for the stack's secrets: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
    try {
        return { passphrase: fs.readFileSync(path.resolve(file), "utf8").trim(), file: path.resolve(file) };
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

/** Keys derived from a file's passphrase, by passphrase digest and provider state, base64. */
type KeyFile = Record<string, string>;

function readKeyFile(file: string): KeyFile {
    try {
        const keys = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
        return keys !== null && typeof keys === "object" && !Array.isArray(keys) ? (keys as KeyFile) : {};
    } catch {
        return {};
    }
}

/** Adds a key; atomic, and a write lost to another process costs only its derivation again. */
function keepKey(file: string, entry: string, key: Buffer): void {
    try {
        const temporary = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, JSON.stringify({ ...readKeyFile(file), [entry]: key.toString("base64") }), { mode: 0o600 });
        fs.renameSync(temporary, file);
    } catch {
        // Only a saving: the next process derives the key again.
    }
}

/** The decrypter of `key` if it opens the provider state's check, else undefined. */
function checkedDecrypter(key: Buffer, check: string): Decrypt | undefined {
    try {
        if (decryptWithKey(key, check) !== CHECK_MESSAGE) return undefined;
    } catch {
        return undefined;
    }
    return (ciphertext) => decryptWithKey(key, ciphertext);
}

async function derive(passphrase: string, providerState: string, passphraseFile: string | undefined, entry: string): Promise<Decrypt> {
    const [version, saltText] = providerState.split(":", 2);
    if (version !== "v1" || saltText === undefined) throw new PassphraseSecretsError(`the stack's passphrase state is not "v1:<salt>:<check>": ${providerState.slice(0, 12)}...`);
    const check = providerState.slice(version.length + saltText.length + 2);
    const keyFile = passphraseFile && `${passphraseFile}.keys`;
    const kept = keyFile && readKeyFile(keyFile)[entry];
    const fromFile = kept ? checkedDecrypter(Buffer.from(kept, "base64"), check) : undefined;
    if (fromFile) return fromFile;
    const key = await new Promise<Buffer>((resolve, reject) =>
        crypto.pbkdf2(passphrase, Buffer.from(saltText, "base64"), ROUNDS, KEY_BYTES, "sha256", (error, derived) => (error ? reject(error) : resolve(derived))),
    );
    const decrypter = checkedDecrypter(key, check);
    if (!decrypter) throw new PassphraseSecretsError("the passphrase does not unlock the stack's secrets (incorrect passphrase)");
    if (keyFile) keepKey(keyFile, entry, key);
    return decrypter;
}

// Decrypters by passphrase and provider state, for the life of the process.
const decrypters = new Map<string, Promise<Decrypt>>();

/**
 * The decrypter of a passphrase provider's state ("v1:<salt>:<check>"): derived once per
 * process, and kept beside `passphraseFile` when the passphrase came from one.
 */
export function passphraseDecrypter(passphrase: string, providerState: string, passphraseFile?: string): Promise<Decrypt> {
    const entry = `${crypto.createHash("sha256").update(passphrase).digest("hex")}:${providerState}`;
    let decrypter = decrypters.get(entry);
    if (!decrypter) {
        decrypter = derive(passphrase, providerState, passphraseFile, entry);
        decrypters.set(entry, decrypter);
        // A failure is not kept: the passphrase file may be mended while the process runs.
        decrypter.catch(() => decrypters.delete(entry));
    }
    return decrypter;
}
