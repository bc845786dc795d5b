// The drift report: its JSON form (version 1, documented in docs/drift.md with a JSON Schema in
// docs/drift-report.schema.json), the text form, the exit code it maps to, and the codes of the
// errors that keep a stack from being checked.
import { EXIT_DRIFT, EXIT_FAILURE, EXIT_OK } from "./command";

/** `clean`: the hosts have what the stack expects; `drift`: some field differs; `error`: not checked. */
export type StackStatus = "clean" | "drift" | "error";

/** `mptcp-lab drift --json`. Fields are only ever added within a version. */
export interface DriftReport {
    version: 1;
    /** The worst status of any stack (error, then drift, then clean); the exit code follows it. */
    status: StackStatus;
    stacks: StackDrift[];
}

export interface StackDrift {
    stack: string;
    status: StackStatus;
    /** Set exactly when status is `error`; the stack's hosts are then unknown and `hosts` is empty. */
    error?: DriftCheckError;
    hosts: HostDrift[];
}

export type DriftErrorCode = "host-unreachable" | "host-key-mismatch" | "second-endpoint-manager" | "stack-busy" | "not-deployed" | "check-failed";

export interface DriftCheckError {
    code: DriftErrorCode;
    message: string;
    hint: string;
}

export interface HostDrift {
    host: string;
    /** The host's boot id changed since the last `up`: endpoint drift was a reboot, not a hand edit. */
    rebooted: boolean;
    /** The boot ids behind `rebooted`, when the state and the host both have one. */
    bootId?: { lastUp: string; now: string };
    /** Empty when the host has what the stack expects. */
    drift: FieldDrift[];
}

/** One field that differs: what the stack expects against what the host has. */
export interface FieldDrift {
    /** The type of the resource that manages the field. */
    resource: "HostState" | "MptcpEndpointState";
    /** `net.mptcp.enabled`, `sysctl.d file`, `endpoints[ADDRESS]` (an endpoint there or not),
     *  `endpoints[ADDRESS].device|flags|id`, `limits.subflows|addAddrAccepted`, `bootUnit`, `bootUnit.enabled`. */
    field: string;
    expected: string;
    actual: string;
}

const hints: Readonly<Record<DriftErrorCode, (stack: string) => string>> = {
    "host-unreachable": (stack) => `drift is unknown until the host answers over SSH; check that it is up (an emulated bench: mptcp-lab bench status), then run mptcp-lab drift --stack ${stack} again`,
    "host-key-mismatch": () => "if the host was re-imaged, put its new key in the lab definition (ssh-keyscan, checked out of band)",
    "second-endpoint-manager": (stack) =>
        `another program writes a host's MPTCP endpoints (the message names it and how to make it leave MPTCP alone); after that fix, mptcp-lab up --stack ${stack} puts the lab's endpoints back`,
    "stack-busy": (stack) => `another operation holds the stack; check again when it ends (or run mptcp-lab drift --stack ${stack})`,
    "not-deployed": (stack) => `nothing of the stack is deployed; run mptcp-lab up --stack ${stack} first`,
    "check-failed": (stack) => `the refresh preview failed; pulumi preview --refresh --stack ${stack} shows the engine's whole output`,
};

/** Error codes from the text of the engine's error, which carries the provider's own message. */
const messagePatterns: readonly [RegExp, DriftErrorCode][] = [
    [/: cannot connect to /, "host-unreachable"],
    [/is not the pinned one/, "host-key-mismatch"],
    // SecondEndpointManagerError (remote/endpoint-managers.ts): NetworkManager or mptcpd writes the table too.
    [/\[second-endpoint-manager\]: /, "second-endpoint-manager"],
    [/currently locked|another update is currently in progress/i, "stack-busy"],
];

export function classifyCheckError(message: string): DriftErrorCode {
    return messagePatterns.find(([pattern]) => pattern.test(message))?.[1] ?? "check-failed";
}

export function checkError(stack: string, code: DriftErrorCode, message: string): DriftCheckError {
    return { code, message, hint: hints[code](stack) };
}

export function failedStack(stack: string, code: DriftErrorCode, message: string): StackDrift {
    return { stack, status: "error", error: checkError(stack, code, message), hosts: [] };
}

const severity: Readonly<Record<StackStatus, number>> = { clean: 0, drift: 1, error: 2 };

export function driftReport(stacks: StackDrift[]): DriftReport {
    const status = stacks.reduce<StackStatus>((worst, stack) => (severity[stack.status] > severity[worst] ? stack.status : worst), "clean");
    return { version: 1, status, stacks };
}

/** 1 when a stack could not be checked (even if others drifted), else 2 on drift, else 0. */
export function exitCodeOf(report: DriftReport): number {
    return { clean: EXIT_OK, drift: EXIT_DRIFT, error: EXIT_FAILURE }[report.status];
}

function table(rows: readonly string[][], indent: string): string[] {
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    return rows.map((row) => indent + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  "));
}

const shortId = (bootId: string) => bootId.slice(0, 8);

function rebootNote(host: HostDrift): string {
    const ids = host.bootId ? ` (boot id ${shortId(host.bootId.lastUp)} -> ${shortId(host.bootId.now)})` : "";
    const endpointsLost = host.drift.some((item) => item.resource === "MptcpEndpointState" && item.field !== "bootUnit" && item.field !== "bootUnit.enabled");
    return endpointsLost
        ? `${host.host} rebooted since the last up${ids}: its endpoints and limits were lost at the reboot (persist: true restores them at boot)`
        : `${host.host} rebooted since the last up${ids}; its endpoints and limits survived it`;
}

function formatStack(stack: StackDrift): string[] {
    if (stack.status === "error" && stack.error) {
        return [`${stack.stack}: error ${stack.error.code}: ${stack.error.message}`, `  hint: ${stack.error.hint}`];
    }
    const names = stack.hosts.map((host) => host.host).join(", ");
    const notes = stack.hosts.filter((host) => host.rebooted).map((host) => `  note: ${rebootNote(host)}`);
    if (stack.status === "clean") return [`${stack.stack}: clean (${names})`, ...notes];
    const rows = [["HOST", "RESOURCE", "FIELD", "EXPECTED", "ACTUAL"]];
    for (const host of stack.hosts) {
        for (const item of host.drift) rows.push([host.host, item.resource, item.field, item.expected, item.actual]);
    }
    return [`${stack.stack}: drift`, ...table(rows, "  "), ...notes, `  repair: mptcp-lab up --stack ${stack.stack}`];
}

export function formatDriftReport(report: DriftReport): string {
    const count = (status: StackStatus) => report.stacks.filter((stack) => stack.status === status).length;
    const summary = `drift: ${report.stacks.length} stack(s) checked: ${count("clean")} clean, ${count("drift")} drifted, ${count("error")} not checked`;
    return [...report.stacks.flatMap(formatStack), summary, ""].join("\n");
}
