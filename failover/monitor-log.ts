// Reads the runner's monitor.log: `ip mptcp monitor` lines, each prefixed with the epoch time
// it was read, e.g.
//   1795502313.486123 [SF_ESTABLISHED] token=2550d8e2 remid=0 locid=1 saddr4=... dport=5201
// iproute2 before 7.1 has neither timestamps nor JSON for the monitor, hence the prefix.
import type { MonitorEvent } from "./types";

const LINE = /^(\d+(?:\.\d+)?)\s+\[\s*([A-Za-z_]+)\s*\]\s*(.*)$/;

/**
 * Events with times relative to `referenceEpochSeconds` (the test start); without a reference,
 * relative to the first event. Lines that are not events (errors, blank lines) are skipped.
 */
export function parseMonitorLog(text: string, referenceEpochSeconds: number | null): MonitorEvent[] {
    const parsed: { epoch: number; type: string; fields: Record<string, string> }[] = [];
    for (const line of text.split("\n")) {
        const match = LINE.exec(line.trim());
        if (!match) continue;
        const fields: Record<string, string> = {};
        for (const pair of match[3].split(/\s+/)) {
            const equals = pair.indexOf("=");
            if (equals > 0) fields[pair.slice(0, equals)] = pair.slice(equals + 1);
        }
        parsed.push({ epoch: Number(match[1]), type: match[2], fields });
    }
    const reference = referenceEpochSeconds ?? parsed[0]?.epoch ?? 0;
    return parsed.map(({ epoch, type, fields }) => ({ time: epoch - reference, type, fields }));
}

export interface DataConnections {
    /** MPTCP tokens of the connections that carried the test's data. */
    tokens: string[];
    /** Fewest subflows joined (SF_ESTABLISHED) on any of them; 0 when there are none. */
    subflowsJoined: number;
}

/**
 * Finds the test's data connections among the MPTCP connections the kernel reported: those to
 * the test port, in the order they were created. Under `mptcpize run` iperf3's control
 * connection is MPTCP too and always comes first, so it is left out; with iperf3's own `-m` the
 * control connection is plain TCP and never appears.
 */
export function dataConnections(
    events: readonly MonitorEvent[],
    options: { port: number | null; controlConnectionIsMptcp: boolean },
): DataConnections {
    const created: string[] = [];
    for (const event of events) {
        const token = event.fields.token;
        if (event.type !== "CREATED" || token === undefined || created.includes(token)) continue;
        if (options.port !== null && event.fields.dport !== String(options.port)) continue;
        created.push(token);
    }
    const tokens = options.controlConnectionIsMptcp ? created.slice(1) : created;
    if (tokens.length === 0) return { tokens, subflowsJoined: 0 };
    const joined = tokens.map(
        (token) => events.filter((event) => event.type === "SF_ESTABLISHED" && event.fields.token === token).length,
    );
    return { tokens, subflowsJoined: Math.min(...joined) };
}
