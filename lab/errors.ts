// Problems found in a lab definition: plain values with a stable code, the place in the source,
// the value seen, what was expected and a hint. Hints and severities live in one table, keyed by code.
import { hintFor as benchHint } from "../bench/errors";

export type Severity = "error" | "warning";

interface CatalogueEntry {
    readonly severity: Severity;
    readonly hint: string;
}

const PROBLEM_CATALOGUE = {
    "file-unreadable": { severity: "error", hint: "Check the path and the file's permissions." },
    "file-too-large": { severity: "error", hint: "Give the lab or stack file itself; a lab is a few kilobytes." },
    "file-not-utf8": { severity: "error", hint: "Save the file as UTF-8 (the Pulumi CLI refuses anything else); `iconv -f latin1 -t utf-8` converts a Latin-1 file." },
    "yaml-syntax": { severity: "error", hint: "Fix the YAML at this place: check indentation (spaces, not tabs), colons and quotes." },
    "yaml-duplicate-key": { severity: "error", hint: "Keep one of the two entries with this key; YAML keys must be unique in a mapping." },
    "yaml-multiple-documents": { severity: "error", hint: "Keep one document: remove the `---` line and what follows it, or move it to a file of its own." },
    "yaml-excessive-aliasing": {
        severity: "error",
        hint: "Write the values out, or use anchors for small shared pieces only: aliases that refer to aliases multiply the document (a YAML bomb), and the Pulumi CLI refuses such a file.",
    },
    "yaml-too-many-nodes": { severity: "error", hint: "Give the lab or stack file itself, without generated data: a lab has a few hundred values." },
    "stack-lab-missing": { severity: "error", hint: "Put the lab under `config:` as `mptcp-lab:lab:` (see docs/lab-reference.md)." },
    "schema-type": { severity: "error", hint: "Write a value of the expected type; quote strings that YAML would read as numbers or booleans." },
    "schema-unknown-key": { severity: "error", hint: "Remove the key or fix its spelling; docs/lab-reference.md lists every key." },
    "schema-required": { severity: "error", hint: "Add the missing key; docs/lab-reference.md describes it." },
    "schema-pattern": { severity: "error", hint: "Use only the characters the field allows. Values reach shell commands on the hosts, so spaces, quotes, `;`, `$`, backticks and line breaks are refused." },
    "schema-format": { severity: "error", hint: "Write a dotted-quad IPv4 address such as 198.18.0.133, without leading zeros or a prefix length." },
    "schema-enum": { severity: "error", hint: "Use one of the listed values." },
    "schema-range": { severity: "error", hint: "Use a value inside the allowed range." },
    "schema-size": { severity: "error", hint: "Add or remove entries to fit the allowed count." },
    "schema-duplicate-item": { severity: "error", hint: "List each item once." },
    "schema-one-of": { severity: "error", hint: "Give exactly one of the alternatives, e.g. `source:` to build iperf3 from git or `package:` to install it." },
    "placeholder-value": {
        severity: "error",
        hint: "Replace the placeholder with the real value. For a host key, run `ssh-keyscan -t ed25519 ADDRESS` on a trusted network (or read /etc/ssh/ssh_host_ed25519_key.pub on the host) and paste the key type and the base64 key.",
    },
    "unquoted-number": {
        severity: "warning",
        hint: "Quote the value (\"3.20\"): unquoted, YAML reads it as a number, and other readers of this file (Pulumi's own config among them) see 3.2.",
    },
    "role-count": { severity: "error", hint: "A lab has exactly one host with `role: client` and one with `role: server`." },
    "connection-missing": { severity: "error", hint: "Without a bench, give each host a `connection` (address, user, hostKey), or declare a `bench` to emulate the hosts." },
    "connection-with-bench": { severity: "error", hint: "Remove `connection`: the emulated bench connects to its hosts itself." },
    "duplicate-address": { severity: "error", hint: "Give every interface its own address; only a host's own connection address may repeat one of its interface addresses." },
    "interface-address-reserved": { severity: "error", hint: "Pick a host address: the first and last addresses of a prefix are its network and broadcast addresses." },
    "unknown-interface": { severity: "error", hint: "Name one of the host's interfaces, as listed under its `interfaces`." },
    "unknown-host": { severity: "error", hint: "Name one of the hosts listed under `hosts`." },
    "endpoint-foreign-address": {
        severity: "error",
        hint: "An endpoint uses an address of its own host: the server announces its own addresses (`signal`), the client opens subflows from its own (`subflow`).",
    },
    "endpoint-device-mismatch": { severity: "error", hint: "Set `device` to the interface that holds the endpoint's address." },
    "duplicate-endpoint": { severity: "error", hint: "Declare each endpoint address once and give each endpoint its own id." },
    "endpoint-flags-conflict": { severity: "error", hint: "The kernel refuses `signal` together with `fullmesh`; keep one of them." },
    "endpoint-role-flags": {
        severity: "warning",
        hint: "The server announces its extra addresses with ADD_ADDR, so its endpoints are `signal`; the client opens subflows from its own extra addresses, so its endpoints are `subflow`.",
    },
    "limits-too-small": {
        severity: "error",
        hint: "Raise the limit: the client opens one subflow per `subflow` endpoint plus one per address the server announces, the server must accept as many, and the client must accept every ADD_ADDR the server sends.",
    },
    "failover-only-path": {
        severity: "error",
        hint: "Fail an interface the host can do without, keep another interface with an MPTCP path (the primary or an endpoint), or set `failover.allowOnlyPath: true` for a deliberate negative test.",
    },
    "failover-management-path": {
        severity: "error",
        hint: "The controller reaches the host over this interface and would lose it. Fail another interface, connect over another address, or set `failover.allowManagementPath: true`.",
    },
    "failover-primary-path": {
        severity: "warning",
        hint: "iperf3's control connection is plain TCP on the primary path, even with --mptcp: the data survives but iperf3 cannot finish. Use `iperf3.mptcp: mptcpize`, which makes the control connection MPTCP too.",
    },
    "failover-primary-path-native": {
        severity: "error",
        hint: "iperf3's control connection is plain TCP on the primary path, even with --mptcp: when that path dies iperf3 cannot finish. Use `iperf3.mptcp: mptcpize` (both ends run under mptcpize, the control connection is MPTCP too), or fail a secondary interface.",
    },
    "failover-failback-no-time": {
        severity: "error",
        hint: "Set `failover.upAtSeconds` at least a second before the end of the run, so that the subflow's return and the rate can be seen; or set `failover.failback: stay`.",
    },
    "failover-failback-no-endpoint": {
        severity: "error",
        hint: "Failback re-announces the MPTCP endpoints on the failing interface, and it has none: add an endpoint for it under the host's `endpoints`, or set `failover.failback: stay`.",
    },
    "failover-duration-fractional": { severity: "error", hint: "iperf3 -t takes whole seconds, and -t 0.5 becomes 0, which means run forever." },
    "failover-interval-too-short": { severity: "error", hint: "0.1 s is the smallest interval iperf3 -i accepts." },
    "failover-down-outside-run": { severity: "error", hint: "Take the link down after the start and before the end of the run." },
    "failover-up-before-down": { severity: "error", hint: "Bring the link back after it went down." },
    "failover-up-after-end": { severity: "error", hint: "Bring the link back by the end of the run, or leave `upAtSeconds` out to restore it at the end." },
    "iperf3-branch-not-tag": {
        severity: "error",
        hint: "Pin a release tag such as 3.21 (upstream tags have no `v`): a branch moves, so the same lab would build different code.",
    },
    "iperf3-tag-too-old": {
        severity: "error",
        hint: "iperf3 gained --mptcp in 3.19: pin 3.19 or later, or use `mptcp: mptcpize` (or `auto`) with an older build.",
    },
    "iperf3-native-package": {
        severity: "warning",
        hint: "Debian's iperf3 (3.12 in Bookworm, 3.18 in Trixie) predates --mptcp: use `mptcp: auto` or `mptcpize`, or build a tag of 3.19 or later from source.",
    },
    "bench-subnet-outside-range": { severity: "error", hint: "Emulated benches use the benchmarking range 198.18.0.0/15 (RFC 2544) so that they never clash with a real network." },
    "bench-subnet-host-bits": { severity: "error", hint: "Write the network address of the subnet, with the host bits zero (198.18.0.0/24, not 198.18.0.1/24)." },
    "bench-subnets-overlap": { severity: "error", hint: "Keep the lab subnet and the management subnet apart, or failover could cut the management path." },
    // What the emulated bench itself refuses (bench/plan.ts), with the bench's own hints.
    "bench-name": { severity: "error", hint: benchHint("BENCH_NAME_INVALID") },
    "bench-suite": { severity: "error", hint: benchHint("BENCH_SUITE_INVALID") },
    "bench-subnet": { severity: "error", hint: benchHint("BENCH_SUBNET_INVALID") },
    "bench-hosts": { severity: "error", hint: benchHint("BENCH_HOSTS_INVALID") },
    "bench-host-name": { severity: "error", hint: `${benchHint("BENCH_HOST_NAME_INVALID")} Rename the host (and \`failover.host\` if it names it).` },
    "bench-interface": { severity: "error", hint: benchHint("BENCH_INTERFACE_INVALID") },
    "bench-address": { severity: "error", hint: `${benchHint("BENCH_ADDRESS_INVALID")} Every interface has the bench subnet's prefix length.` },
    "bench-shaping": { severity: "error", hint: benchHint("BENCH_SHAPING_INVALID") },
    "bench-bottleneck": { severity: "error", hint: benchHint("BENCH_BOTTLENECK_INVALID") },
    "bench-network-manager": { severity: "error", hint: benchHint("BENCH_NETWORK_MANAGER_INVALID") },
    "bench-address-outside-subnet": { severity: "error", hint: "On an emulated bench every interface address lies in `bench.subnet`." },
} as const satisfies Record<string, CatalogueEntry>;

export type ProblemCode = keyof typeof PROBLEM_CATALOGUE;

export const PROBLEM_CODES = Object.keys(PROBLEM_CATALOGUE) as readonly ProblemCode[];

export interface LabProblem {
    readonly code: ProblemCode;
    readonly severity: Severity;
    readonly file: string;
    /** 1-based. */
    readonly line: number;
    /** 1-based. */
    readonly column: number;
    /** Path of the field in the lab, e.g. `hosts.client.endpoints[1].flags[0]`; empty for the whole lab. */
    readonly path: string;
    /** The value seen; undefined when there was none. */
    readonly value: unknown;
    /** What is wrong, in one sentence. */
    readonly message: string;
    readonly expected: string;
    readonly hint: string;
}

/** Where a problem is: file, line, column and the field's path. */
export interface ProblemSite {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly path: string;
}

export interface ProblemDetails {
    readonly message: string;
    readonly value?: unknown;
    readonly expected: string;
}

export function labProblem(code: ProblemCode, site: ProblemSite, details: ProblemDetails): LabProblem {
    const entry: CatalogueEntry = PROBLEM_CATALOGUE[code];
    return { code, severity: entry.severity, ...site, value: details.value, message: details.message, expected: details.expected, hint: entry.hint };
}

export function hintFor(code: ProblemCode): string {
    return PROBLEM_CATALOGUE[code].hint;
}

export function isError(problem: LabProblem): boolean {
    return problem.severity === "error";
}

/** A lab that cannot be used; `problems` holds every error (and warning) found. */
export class LabError extends Error {
    readonly problems: readonly LabProblem[];

    constructor(problems: readonly LabProblem[], options?: { cause?: unknown }) {
        const errors = problems.filter(isError);
        const heading = `${errors.length} ${errors.length === 1 ? "error" : "errors"} in lab ${errors[0]?.file ?? ""}`.trimEnd();
        super([heading, ...errors.map(formatProblem)].join("\n"), options);
        this.name = "LabError";
        this.problems = problems;
    }
}

/** One line: `file:line:column severity code path: message (expected ...). Hint: ...` */
export function formatProblem(problem: LabProblem): string {
    const place = `${problem.file}:${problem.line}:${problem.column}`;
    const field = problem.path === "" ? "" : ` ${problem.path}`;
    const text = `${place} ${problem.severity} ${problem.code}${field}: ${problem.message} (expected ${problem.expected}). Hint: ${problem.hint}`;
    return oneLine(text);
}

/** A value as it appears in a message: plain when it is a simple token, JSON-quoted otherwise. */
export function showValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (typeof value === "string") return /^[\x21-\x7e]+$/.test(value) && !/["'`]/.test(value) ? value : JSON.stringify(value);
    if (value instanceof Date) return value.toISOString();
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Escapes control characters and line separators, so that a value cannot break the line or
 *  send escape sequences to the terminal. */
function oneLine(text: string): string {
    return Array.from(text, (char) => {
        const code = char.charCodeAt(0);
        if (char === "\n") return "\\n";
        if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) return `\\u${code.toString(16).padStart(4, "0")}`;
        return char;
    }).join("");
}
