// SSH keys of a bench: one client key pair per bench and one ed25519 host key per host, generated
// by the bench so that host keys are known (and pinned) without any scanning.

import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "./exec";

export interface KeyPair {
    readonly privateKeyPath: string;
    /** OpenSSH public key without its comment, e.g. `ssh-ed25519 AAAA...`. */
    readonly publicKey: string;
}

export function publicKeyOf(publicKeyPath: string): string {
    return fs.readFileSync(publicKeyPath, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

/** Generates the key pair once (into a temporary name, then renamed) and reuses it afterwards. */
export async function ensureKeyPair(privateKeyPath: string, comment: string): Promise<KeyPair> {
    const publicKeyPath = `${privateKeyPath}.pub`;
    if (!fs.existsSync(privateKeyPath) || !fs.existsSync(publicKeyPath)) {
        fs.mkdirSync(path.dirname(privateKeyPath), { recursive: true, mode: 0o700 });
        const temporary = `${privateKeyPath}.${process.pid}.tmp`;
        fs.rmSync(temporary, { force: true });
        fs.rmSync(`${temporary}.pub`, { force: true });
        await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", temporary]);
        fs.renameSync(`${temporary}.pub`, publicKeyPath);
        fs.renameSync(temporary, privateKeyPath);
    }
    fs.chmodSync(privateKeyPath, 0o600);
    return { privateKeyPath, publicKey: publicKeyOf(publicKeyPath) };
}

export interface KnownHost {
    readonly address: string;
    readonly publicKey: string;
}

/** known_hosts lines for port 22, one per address. */
export function knownHostsText(hosts: readonly KnownHost[]): string {
    return hosts.map((host) => `${host.address} ${host.publicKey}\n`).join("");
}

export function writeKnownHosts(file: string, hosts: readonly KnownHost[]): void {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, knownHostsText(hosts), { mode: 0o644 });
    fs.renameSync(temporary, file);
}
