// Probes of what the bench runs: the greeting of a TCP server, and which process holds a listening port.

import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";

/** The first line a server sends after connecting (`SSH-2.0-...` for sshd), or undefined. */
export async function readGreeting(address: string, port: number, timeoutMs = 1_000): Promise<string | undefined> {
    const result = await probeGreeting(address, port, timeoutMs);
    return "value" in result ? result.value : undefined;
}

/** The greeting of a TCP server, or why there was none (`ECONNREFUSED`, `no greeting within 500 ms`, ...). */
export function probeGreeting(address: string, port: number, timeoutMs = 1_000): Promise<{ readonly value: string } | { readonly failure: string }> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: address, port });
        let received = "";
        const finish = (result: { readonly value: string } | { readonly failure: string }) => {
            socket.destroy();
            resolve(result);
        };
        socket.setTimeout(timeoutMs, () => finish({ failure: received === "" ? `no greeting within ${timeoutMs} ms` : `an unfinished greeting ${JSON.stringify(received.slice(0, 40))}` }));
        socket.on("error", (error: NodeJS.ErrnoException) => finish({ failure: error.code ?? error.message }));
        socket.on("data", (chunk: Buffer) => {
            received += chunk.toString("latin1");
            if (received.includes("\n")) finish({ value: received.split("\n")[0].trim() });
        });
        socket.on("end", () => finish({ failure: received === "" ? "closed without a greeting" : `closed after ${JSON.stringify(received.slice(0, 40))}` }));
    });
}

/** `198.19.0.1` as /proc/net/tcp prints it: the address in host byte order, in hex. */
function procNetAddress(address: string): string {
    const bytes = address.split(".").map(Number);
    const ordered = os.endianness() === "LE" ? bytes.reverse() : bytes;
    return ordered.map((byte) => byte.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/**
 * True when process `pid` itself holds a listening TCP socket on address:port (or on 0.0.0.0:port).
 * A connect alone could reach some other program that holds the port.
 */
export function ownsListeningSocket(pid: number, address: string, port: number): boolean {
    const portHex = port.toString(16).padStart(4, "0").toUpperCase();
    const wanted = new Set([`${procNetAddress(address)}:${portHex}`, `00000000:${portHex}`]);
    let inodes: Set<string>;
    let descriptors: string[];
    try {
        const rows = fs.readFileSync(`/proc/${pid}/net/tcp`, "utf8").split("\n").slice(1);
        const listening = rows.map((row) => row.trim().split(/\s+/)).filter((fields) => fields[3] === "0A" && wanted.has(fields[1]));
        inodes = new Set(listening.map((fields) => fields[9]));
        descriptors = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
        return false;
    }
    if (inodes.size === 0) return false;
    return descriptors.some((descriptor) => {
        try {
            const target = fs.readlinkSync(`/proc/${pid}/fd/${descriptor}`);
            return inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "");
        } catch {
            return false;
        }
    });
}
