// An SSH host inside the test process (an ssh2 server on the loopback) that accepts any public
// key and answers exec requests the way a test says: for runRemote's connection handling without
// a bench.
import type { AddressInfo } from "node:net";
import { type ParsedKey, Server, type ServerChannel, utils } from "ssh2";
import type { HostConnection } from "../../remote/ssh";

export interface InProcessHost {
    connection: HostConnection;
    /** Connections accepted so far. */
    connections(): number;
    /** Exec requests received so far. */
    execs(): number;
    /** Drops every open connection, as a rebooting host does. */
    dropAll(): void;
    close(): Promise<void>;
}

/** Answers one exec request on its channel; `connection` numbers the connection from 1. */
export type ExecHandler = (channel: ServerChannel, command: string, connection: number) => void;

/**
 * An ed25519 key pair that ssh2 can read back. ssh2's generator drops a leading zero byte of the
 * public key (one key in 256), which its own parser then refuses as malformed.
 */
export function ed25519KeyPair(): { private: string; public: string } {
    for (;;) {
        const pair = utils.generateKeyPairSync("ed25519");
        const parsed = utils.parseKey(pair.private) as ParsedKey | Error;
        if (!(parsed instanceof Error)) return pair;
    }
}

export async function inProcessHost(onExec: ExecHandler): Promise<InProcessHost> {
    const hostKey = ed25519KeyPair();
    const userKey = ed25519KeyPair();
    let accepted = 0;
    let execs = 0;
    const open = new Set<{ end(): void }>();
    const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
        const number = ++accepted;
        open.add(client);
        client.on("close", () => open.delete(client));
        client.on("error", () => undefined);
        client.on("authentication", (context) => (context.method === "publickey" ? context.accept() : context.reject(["publickey"])));
        client.on("session", (accept) => {
            accept().on("exec", (acceptExec, _reject, info) => {
                execs++;
                onExec(acceptExec(), info.command, number);
            });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        connection: { address: "127.0.0.1", port, user: "root", privateKey: userKey.private, hostKey: hostKey.public },
        connections: () => accepted,
        execs: () => execs,
        dropAll: () => open.forEach((client) => client.end()),
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
