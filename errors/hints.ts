// The one table of hints, keyed by error code: every code mptcp-lab reports (a lab's problems, the
// emulated bench, the hosts over SSH, the install steps on the hosts, the failover test, the
// command line) has its hint here and nowhere else. A hint may name `{stack}`, which the command
// line fills in with the stack it was working on.

/** The emulated bench (bench/). */
const BENCH_HINTS = {
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
} as const;

/** Problems found in a lab definition (lab/); their severities are in lab/errors.ts. */
const LAB_HINTS = {
    "file-unreadable": "Check the path and the file's permissions.",
    "file-too-large": "Give the lab or stack file itself; a lab is a few kilobytes.",
    "file-not-utf8": "Save the file as UTF-8 (the Pulumi CLI refuses anything else); `iconv -f latin1 -t utf-8` converts a Latin-1 file.",
    "yaml-syntax": "Fix the YAML at this place: check indentation (spaces, not tabs), colons and quotes.",
    "yaml-duplicate-key": "Keep one of the two entries with this key; YAML keys must be unique in a mapping.",
    "yaml-multiple-documents": "Keep one document: remove the `---` line and what follows it, or move it to a file of its own.",
    "yaml-excessive-aliasing": "Write the values out, or use anchors for small shared pieces only: aliases that refer to aliases multiply the document (a YAML bomb), and the Pulumi CLI refuses such a file.",
    "yaml-too-many-nodes": "Give the lab or stack file itself, without generated data: a lab has a few hundred values.",
    "stack-lab-missing": "Put the lab under `config:` as `mptcp-lab:lab:` (see docs/lab-reference.md).",
    "schema-type": "Write a value of the expected type; quote strings that YAML would read as numbers or booleans.",
    "schema-unknown-key": "Remove the key or fix its spelling; docs/lab-reference.md lists every key.",
    "schema-required": "Add the missing key; docs/lab-reference.md describes it.",
    "schema-pattern": "Use only the characters the field allows. Values reach shell commands on the hosts, so spaces, quotes, `;`, `$`, backticks and line breaks are refused.",
    "schema-format": "Write a dotted-quad IPv4 address such as 198.18.0.133, without leading zeros or a prefix length.",
    "schema-enum": "Use one of the listed values.",
    "schema-range": "Use a value inside the allowed range.",
    "schema-size": "Add or remove entries to fit the allowed count.",
    "schema-duplicate-item": "List each item once.",
    "schema-one-of": "Give exactly one of the alternatives, e.g. `source:` to build iperf3 from git or `package:` to install it.",
    "placeholder-value": "Replace the placeholder with the real value. For a host key, run `ssh-keyscan -t ed25519 ADDRESS` on a trusted network (or read /etc/ssh/ssh_host_ed25519_key.pub on the host) and paste the key type and the base64 key.",
    "unquoted-number": "Quote the value (\"3.20\"): unquoted, YAML reads it as a number, and other readers of this file (Pulumi's own config among them) see 3.2.",
    "role-count": "A lab has exactly one host with `role: client` and one with `role: server`.",
    "connection-missing": "Without a bench, give each host a `connection` (address, user, hostKey), or declare a `bench` to emulate the hosts.",
    "connection-with-bench": "Remove `connection`: the emulated bench connects to its hosts itself.",
    "duplicate-address": "Give every interface its own address; only a host's own connection address may repeat one of its interface addresses.",
    "interface-address-reserved": "Pick a host address: the first and last addresses of a prefix are its network and broadcast addresses.",
    "unknown-interface": "Name one of the host's interfaces, as listed under its `interfaces`.",
    "unknown-host": "Name one of the hosts listed under `hosts`.",
    "endpoint-foreign-address": "An endpoint uses an address of its own host: the server announces its own addresses (`signal`), the client opens subflows from its own (`subflow`).",
    "endpoint-device-mismatch": "Set `device` to the interface that holds the endpoint's address.",
    "duplicate-endpoint": "Declare each endpoint address once and give each endpoint its own id.",
    "endpoint-flags-conflict": "The kernel refuses `signal` together with `fullmesh`; keep one of them.",
    "endpoint-role-flags": "The server announces its extra addresses with ADD_ADDR, so its endpoints are `signal`; the client opens subflows from its own extra addresses, so its endpoints are `subflow`.",
    "limits-too-small": "Raise the limit: the client opens one subflow per `subflow` endpoint plus one per address the server announces, the server must accept as many, and the client must accept every ADD_ADDR the server sends.",
    "failover-only-path": "Fail an interface the host can do without, keep another interface with an MPTCP path (the primary or an endpoint), or set `failover.allowOnlyPath: true` for a deliberate negative test.",
    "failover-management-path": "The controller reaches the host over this interface and would lose it. Fail another interface, connect over another address, or set `failover.allowManagementPath: true`.",
    "failover-primary-path": "iperf3's control connection is plain TCP on the primary path, even with --mptcp: the data survives but iperf3 cannot finish. Use `iperf3.mptcp: mptcpize`, which makes the control connection MPTCP too.",
    "failover-primary-path-native": "iperf3's control connection is plain TCP on the primary path, even with --mptcp: when that path dies iperf3 cannot finish. Use `iperf3.mptcp: mptcpize` (both ends run under mptcpize, the control connection is MPTCP too), or fail a secondary interface.",
    "failover-failback-no-time": "Set `failover.upAtSeconds` at least a second before the end of the run, so that the subflow's return and the rate can be seen; or set `failover.failback: stay`.",
    "failover-failback-no-endpoint": "Failback re-announces the MPTCP endpoints on the failing interface, and it has none: add an endpoint for it under the host's `endpoints`, or set `failover.failback: stay`.",
    "failover-duration-fractional": "iperf3 -t takes whole seconds, and -t 0.5 becomes 0, which means run forever.",
    "failover-interval-too-short": "0.1 s is the smallest interval iperf3 -i accepts.",
    "failover-down-outside-run": "Take the link down after the start and before the end of the run.",
    "failover-up-before-down": "Bring the link back after it went down.",
    "failover-up-after-end": "Bring the link back by the end of the run, or leave `upAtSeconds` out to restore it at the end.",
    "iperf3-branch-not-tag": "Pin a release tag such as 3.21 (upstream tags have no `v`): a branch moves, so the same lab would build different code.",
    "iperf3-tag-too-old": "iperf3 gained --mptcp in 3.19: pin 3.19 or later, or use `mptcp: mptcpize` (or `auto`) with an older build.",
    "iperf3-native-package": "Debian's iperf3 (3.12 in Bookworm, 3.18 in Trixie) predates --mptcp: use `mptcp: auto` or `mptcpize`, or build a tag of 3.19 or later from source.",
    "bench-subnet-outside-range": "Emulated benches use the benchmarking range 198.18.0.0/15 (RFC 2544) so that they never clash with a real network.",
    "bench-subnet-host-bits": "Write the network address of the subnet, with the host bits zero (198.18.0.0/24, not 198.18.0.1/24).",
    "bench-subnets-overlap": "Keep the lab subnet and the management subnet apart, or failover could cut the management path.",
    // What the emulated bench itself refuses (bench/plan.ts), with the bench's own hints.
    "bench-name": BENCH_HINTS.BENCH_NAME_INVALID,
    "bench-suite": BENCH_HINTS.BENCH_SUITE_INVALID,
    "bench-subnet": BENCH_HINTS.BENCH_SUBNET_INVALID,
    "bench-hosts": BENCH_HINTS.BENCH_HOSTS_INVALID,
    "bench-host-name": `${BENCH_HINTS.BENCH_HOST_NAME_INVALID} Rename the host (and \`failover.host\` if it names it).`,
    "bench-interface": BENCH_HINTS.BENCH_INTERFACE_INVALID,
    "bench-address": `${BENCH_HINTS.BENCH_ADDRESS_INVALID} Every interface has the bench subnet's prefix length.`,
    "bench-shaping": BENCH_HINTS.BENCH_SHAPING_INVALID,
    "bench-bottleneck": BENCH_HINTS.BENCH_BOTTLENECK_INVALID,
    "bench-network-manager": BENCH_HINTS.BENCH_NETWORK_MANAGER_INVALID,
    "bench-address-outside-subnet": "On an emulated bench every interface address lies in `bench.subnet`.",
} as const;

/** Steps on a host over SSH (remote/ssh.ts, the dynamic providers). */
const REMOTE_HINTS = {
    "ssh-connect": "Check that the host is up, reachable from this machine, and accepts the lab's key (an emulated bench: mptcp-lab bench status).",
    "ssh-host-key": "If the host was re-imaged, put its new key in the lab definition (ssh-keyscan, checked out of band).",
    "remote-step-failed": "The output above is the end of the step's own output; fix the cause on the host or in the lab, then run up again.",
    "remote-step-timeout": "The host may be overloaded, unreachable, or the step stuck; the host's own timeout stops the step there. Run it again, or raise the timeout.",
    "remote-output-too-large": "The step's output is bounded; check what runs on the host.",
    "unsafe-value": "Fix the field named above in the lab definition (mptcp-lab validate shows every such problem).",
    "second-endpoint-manager": "Make the program named above leave MPTCP alone as the message says (docs/drift.md has the details), then run mptcp-lab up --stack {stack}: it puts the lab's endpoints back.",
    "host-no-mptcp": "Boot a kernel with CONFIG_MPTCP=y (Linux 5.6 or later; Raspberry Pi OS Bookworm and later have it).",
} as const;

/** The install steps' scripts on the hosts (components/host-command.ts and its callers). */
const HOST_STEP_HINTS = {
    "headers-unavailable": "Install the headers of the running kernel by hand (Raspberry Pi OS: raspberrypi-kernel-headers), or boot a kernel whose headers the package sources have.",
    "package-install-failed": "Check the host's package sources and its network (apt-get update on the host shows what fails), then run up again.",
    "libc-no-mptcp": "iperf3 builds --mptcp only with glibc 2.32 or later: upgrade the host's OS, or use `iperf3.mptcp: mptcpize`.",
    "iperf3-source-unavailable": "Check that the host reaches the repository (or this machine's mirror: mptcp-lab mirror) and that the tag exists upstream.",
    "iperf3-build-failed": "The configure or make output above says why; check build-essential on the host.",
    "iperf3-no-mptcp": "Build a tag of 3.19 or later from source, or set iperf3.mptcp to auto or mptcpize.",
    "iperf3-shadowed": "An older libiperf shadows the new one: run ldconfig on the host, and check ldconfig -p for libiperf.",
} as const;

/** The failover test (failover/, components/failover-test-provider.ts). */
const FAILOVER_HINTS = {
    FAILOVER_INVALID_ARGUMENT: "The lab's schema refuses such a value; validate the lab (mptcp-lab validate) and report this as a defect if it passed.",
    "failover-runner-refused": "The runner's own message says what the host lacks (2 arguments, 3 prerequisites, 4 no iperf3 server); up installs what a host needs.",
    "failover-no-data": "Check that the server is up and reachable on its lab interfaces; the raw output is under the run's results folder; every link was restored.",
    "failover-link-not-restored": "Check on the host with `ip link show <interface>` and bring it up with `ip link set dev <interface> up` if it is still down; its watchdog brings it up 5 s after it was due back.",
    FAILOVER_RESULT_REFUSED: "The host sent files other than the test's results: check what runs on it (its iperf3, base64 and the runner), then run the test again.",
    "lock-timeout": "Let the other test finish, or raise MPTCP_LAB_FAILOVER_LOCK_TIMEOUT (seconds).",
    "lock-unavailable": "Check that /run/mptcp-lab is writable.",
    "lock-tool-missing": "Install util-linux (it provides flock).",
    "lock-timeout-setting": "Unset MPTCP_LAB_FAILOVER_LOCK_TIMEOUT for the default of 1800 s, or give a whole number of seconds.",
} as const;

/** `mptcp-lab classroom init` (cli/classroom-plan.ts). */
const CLASSROOM_HINTS = {
    "classroom-template-missing": "Name a stack that has a file in stacks/ (`--from emulated`).",
    "classroom-template-invalid": "Fix the template first: `mptcp-lab validate stacks/Pulumi.<stack>.yaml`.",
    "classroom-not-emulated": "A classroom of real hosts needs each bench's addresses and host keys: write those stack files by hand.",
    "classroom-subnet-shape": "Give the template's bench a /24 `subnet` and `managementSubnet` (198.18.k.0/24, 198.19.k.0/24).",
    "classroom-no-free-subnet": "Remove stacks you no longer need, or start from another `--first-index`.",
    "classroom-lab-invalid": "A shorter `--prefix` keeps bench names within 15 characters; the problems above name each field.",
    "classroom-file-exists": "Pass --force to overwrite them, or choose another --prefix.",
    "classroom-bench-taken": "Choose another --prefix: two stacks with one bench name would share its namespaces.",
} as const;

/** Stacks held by an engine (cli/stack-locks.ts). */
const STACK_HINTS = {
    "stack-locked": "If no update of {stack} runs any more, clear the lock with `pulumi cancel --stack {stack} --yes` (set up the environment first: repo_root=$PWD source scripts/lib/toolchain-env.sh).",
} as const;

/** Why `mptcp-lab drift` could not check a stack (the `error.code` of docs/drift.md). */
const DRIFT_HINTS = {
    "host-unreachable": "Drift is unknown until the host answers over SSH; check that it is up (an emulated bench: mptcp-lab bench status), then run mptcp-lab drift --stack {stack} again.",
    "host-key-mismatch": REMOTE_HINTS["ssh-host-key"],
    "stack-busy": "Another operation holds the stack; check again when it ends (or run mptcp-lab drift --stack {stack}).",
    "not-deployed": "Nothing of the stack is deployed; run mptcp-lab up --stack {stack} first.",
    "check-failed": "The refresh preview failed; pulumi preview --refresh --stack {stack} shows the engine's whole output.",
} as const;

/** The table's sections, for the test that no code is in two of them. */
export const HINT_SECTIONS = { BENCH_HINTS, LAB_HINTS, REMOTE_HINTS, HOST_STEP_HINTS, FAILOVER_HINTS, CLASSROOM_HINTS, STACK_HINTS, DRIFT_HINTS } as const;

export const HINTS = { ...BENCH_HINTS, ...LAB_HINTS, ...REMOTE_HINTS, ...HOST_STEP_HINTS, ...FAILOVER_HINTS, ...CLASSROOM_HINTS, ...STACK_HINTS, ...DRIFT_HINTS } as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof HINTS;
export type BenchErrorCode = keyof typeof BENCH_HINTS;
export type ProblemCode = keyof typeof LAB_HINTS;
export type RemoteErrorCode = keyof typeof REMOTE_HINTS;
export type HostStepErrorCode = keyof typeof HOST_STEP_HINTS;
export type FailoverErrorCode = keyof typeof FAILOVER_HINTS;
export type ClassroomErrorCode = keyof typeof CLASSROOM_HINTS;
/** A provider's code that drift reports as it is, beside its own. */
export type DriftErrorCode = keyof typeof DRIFT_HINTS | "second-endpoint-manager";

export const ERROR_CODES = Object.keys(HINTS) as readonly ErrorCode[];
export const PROBLEM_CODES = Object.keys(LAB_HINTS) as readonly ProblemCode[];
export const BENCH_ERROR_CODES = Object.keys(BENCH_HINTS) as readonly BenchErrorCode[];
export const HOST_STEP_ERROR_CODES = Object.keys(HOST_STEP_HINTS) as readonly HostStepErrorCode[];

export function isErrorCode(code: unknown): code is ErrorCode {
    return typeof code === "string" && Object.prototype.hasOwnProperty.call(HINTS, code);
}

/** The hint of a code, with `{stack}` filled in when a stack is given. */
export function hintFor(code: ErrorCode, place: { stack?: string } = {}): string {
    const hint: string = HINTS[code];
    return place.stack === undefined ? hint : hint.replaceAll("{stack}", place.stack);
}
