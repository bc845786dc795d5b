// The drift report: its JSON form (version 1, documented in docs/drift.md with a JSON Schema in
// docs/drift-report.schema.json), the text form, the exit code it maps to, and the codes of the
// errors that keep a stack from being checked (their hints are in errors/hints.ts).
import { type CodedReport, formatCodedHeadline, hintFor } from "../errors";
import type { DriftErrorCode } from "../errors/hints";
import { EXIT_DRIFT, EXIT_FAILURE, EXIT_OK } from "./command";

export type { DriftErrorCode };

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

export interface DriftCheckError {
    code: DriftErrorCode;
    message: string;
    hint: string;
    /** The code of the error a provider reported (errors/hints.ts), e.g. `ssh-connect`. */
    reason?: string;
    /** The host and the step the provider's error names. */
    host?: string;
    step?: string;
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

/** The drift code of a provider's coded error; any other is `check-failed`. */
const DRIFT_CODE_OF: Readonly<Record<string, DriftErrorCode>> = {
    "ssh-connect": "host-unreachable",
    "ssh-host-key": "host-key-mismatch",
    "second-endpoint-manager": "second-endpoint-manager",
};

/** A stack that could not be checked because of a provider's coded error. */
export function codedCheckError(stack: string, coded: CodedReport): DriftCheckError {
    const code = DRIFT_CODE_OF[coded.code] ?? "check-failed";
    const where = { ...(coded.host === undefined ? {} : { host: coded.host }), ...(coded.step === undefined ? {} : { step: coded.step }) };
    return { ...checkError(stack, code, coded.message), reason: coded.code, ...where };
}

export function checkError(stack: string, code: DriftErrorCode, message: string): DriftCheckError {
    return { code, message, hint: hintFor(code, { stack }) };
}

export function failedStack(stack: string, error: DriftCheckError): StackDrift {
    return { stack, status: "error", error, hosts: [] };
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
        const { code, reason, host, step, message, hint } = stack.error;
        return [`${stack.stack}: ${formatCodedHeadline({ code, host, step, message })}${reason ? ` (${reason})` : ""}`, `  hint: ${hint}`];
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
