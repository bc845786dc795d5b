// Errors of the emulated bench: a code, a message, a hint (one table, keyed by code) and, for
// checks that collect several findings, the list of problems.

export type BenchErrorCode =
    | "BENCH_PREREQUISITE_MISSING"
    | "BENCH_NOT_ROOT"
    | "BENCH_NO_MPTCP"
    | "BENCH_NO_NAMESPACES"
    | "BENCH_NO_OVERLAYFS"
    | "BENCH_TOOL_MISSING"
    | "BENCH_NSPAWN_TOO_OLD"
    | "BENCH_PLAN_INVALID"
    | "BENCH_NAME_INVALID"
    | "BENCH_INDEX_INVALID"
    | "BENCH_SUITE_INVALID"
    | "BENCH_SUBNET_INVALID"
    | "BENCH_HOSTS_INVALID"
    | "BENCH_HOST_NAME_INVALID"
    | "BENCH_HOST_UNKNOWN"
    | "BENCH_INTERFACE_INVALID"
    | "BENCH_ADDRESS_INVALID"
    | "BENCH_SHAPING_INVALID"
    | "BENCH_BOTTLENECK_INVALID"
    | "BENCH_NETWORK_MANAGER_INVALID"
    | "BENCH_NETWORK_MANAGER_FAILED"
    | "BENCH_PLAN_CHANGED"
    | "BENCH_CONFLICT"
    | "BENCH_BUSY"
    | "BENCH_ABSENT"
    | "BENCH_PATH_INVALID"
    | "BENCH_REPOSITORY_INVALID"
    | "BENCH_COMMAND_FAILED"
    | "BENCH_BASE_BUILD_FAILED"
    | "BENCH_HOST_START_FAILED"
    | "BENCH_SERVICE_START_FAILED"
    | "BENCH_UNHEALTHY"
    | "BENCH_DOWN_INCOMPLETE";

const HINTS: Record<BenchErrorCode, string> = {
    BENCH_PREREQUISITE_MISSING: "Fix each problem listed, then retry.",
    BENCH_NOT_ROOT: "The bench creates namespaces, bridges and mounts: run it as root (sudo).",
    BENCH_NO_MPTCP: "Use a kernel built with CONFIG_MPTCP=y and enable it: sysctl -w net.mptcp.enabled=1.",
    BENCH_NO_NAMESPACES: "Use a kernel with network, mount, UTS and PID namespaces (CONFIG_NET_NS and friends).",
    BENCH_NO_OVERLAYFS: "Use a kernel with overlayfs (CONFIG_OVERLAY_FS), or load it: modprobe overlay.",
    BENCH_TOOL_MISSING: "Install the machine's packages: npm run bootstrap (see scripts/debian-packages.txt).",
    BENCH_NSPAWN_TOO_OLD: "Upgrade systemd-container (Debian 12 ships systemd-nspawn 252): apt-get install systemd-container.",
    BENCH_PLAN_INVALID: "Fix each problem listed in the bench plan.",
    BENCH_NAME_INVALID: "Bench names match ^[a-z][a-z0-9-]{0,14}$, e.g. `emulated` or `t-bench`.",
    BENCH_INDEX_INVALID: "The subnet index is an integer from 0 to 255 (198.18.<index>.0/24).",
    BENCH_SUITE_INVALID: "Use a Debian suite name such as `trixie` or `bookworm`.",
    BENCH_SUBNET_INVALID: "Subnets are IPv4 CIDRs inside 198.18.0.0/15, /16 to /29, and must not overlap.",
    BENCH_HOSTS_INVALID: "A bench has 1 to 16 hosts with distinct names.",
    BENCH_HOST_NAME_INVALID: "Host names match ^[a-z][a-z0-9]{0,11}$ (no hyphen) and `sw` is reserved.",
    BENCH_HOST_UNKNOWN: "Name one of the bench's hosts (mptcp-lab bench status lists them).",
    BENCH_INTERFACE_INVALID: "Interface names match ^[a-z][a-z0-9]{0,9}$; `lo` and `mgmt0` are reserved.",
    BENCH_ADDRESS_INVALID: "Give each interface a distinct host address inside the bench subnet, e.g. 198.18.0.133/24.",
    BENCH_SHAPING_INVALID: "Shaping needs rateMbit 1-1000, delayMs 0-1000 and lossPercent 0-99.",
    BENCH_BOTTLENECK_INVALID: "sharedBottleneckMbit is 1-1000 and needs at least two hosts.",
    BENCH_NETWORK_MANAGER_INVALID: "networkManager lists hosts of the bench by name, each once, e.g. [client].",
    BENCH_NETWORK_MANAGER_FAILED: "Read the output in the message (apt through the bench's package proxy, then NetworkManager's start); `mptcp-lab bench down` then `up` starts afresh.",
    BENCH_PLAN_CHANGED: "Bring the running bench down first (mptcp-lab bench down --name <name>), or use another name.",
    BENCH_CONFLICT: "Pick another bench name or subnet index so that no name or subnet is shared.",
    BENCH_BUSY: "Another process is changing this bench; wait for it, or remove a stale lock whose process is gone.",
    BENCH_ABSENT: "Bring the bench up first: mptcp-lab bench up --name <name>.",
    BENCH_PATH_INVALID: "Use a cache and state location without commas, colons or white space.",
    BENCH_REPOSITORY_INVALID: "Repository names match ^[a-z0-9][a-z0-9._-]{0,63}$; the source must be a git repository.",
    BENCH_COMMAND_FAILED: "Read the command's error above; `mptcp-lab bench down` then `up` rebuilds the bench.",
    BENCH_BASE_BUILD_FAILED: "Check that http://deb.debian.org/debian is reachable and the suite exists, then retry.",
    BENCH_HOST_START_FAILED: "Read the host log named in the message; `mptcp-lab bench down` then `up` starts afresh.",
    BENCH_SERVICE_START_FAILED:
        "Read the service log named in the message. Another program may hold the port, e.g. a system apt-cacher-ng on every address: systemctl disable --now apt-cacher-ng.",
    BENCH_UNHEALTHY: "Run `mptcp-lab bench status` to see each problem; `bench up` repairs what it can.",
    BENCH_DOWN_INCOMPLETE: "Some objects are still there (listed); run `mptcp-lab bench down` again.",
};

/** One finding of a check that collects several: what, where, what was seen, what was expected. */
export interface BenchProblem {
    readonly code: BenchErrorCode;
    /** Where the problem is, e.g. `hosts[1].interfaces[0].cidr` or a tool's name. */
    readonly path: string;
    readonly value?: unknown;
    readonly expected: string;
    /** How to fix this one, when it differs from the code's general hint. */
    readonly hint?: string;
}

export interface BenchErrorOptions {
    readonly hint?: string;
    readonly cause?: unknown;
    readonly problems?: readonly BenchProblem[];
}

export class BenchError extends Error {
    readonly code: BenchErrorCode;
    readonly hint: string;
    readonly problems: readonly BenchProblem[];

    constructor(code: BenchErrorCode, message: string, options: BenchErrorOptions = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.name = "BenchError";
        this.code = code;
        this.hint = options.hint ?? hintFor(code);
        this.problems = options.problems ?? [];
    }
}

export function hintFor(code: BenchErrorCode): string {
    return HINTS[code];
}

export function describeProblem(problem: BenchProblem): string {
    const seen = problem.value === undefined ? "" : ` (got ${JSON.stringify(problem.value)})`;
    return `${problem.path}: expected ${problem.expected}${seen}`;
}

/** One error carrying every problem, or nothing when the list is empty. */
export function throwIfProblems(code: BenchErrorCode, summary: string, problems: readonly BenchProblem[]): void {
    if (problems.length === 0) return;
    const lines = problems.map((problem) => `  - ${describeProblem(problem)}`);
    const hints = [...new Set(problems.map((problem) => problem.hint ?? hintFor(problem.code)))];
    throw new BenchError(code, `${summary}:\n${lines.join("\n")}`, { problems, hint: hints.join("\n") });
}
