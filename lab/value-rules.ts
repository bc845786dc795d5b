// One table of the rules for values that name things or reach a shell: each a pattern, what it
// accepts in words, and how to fix a value it refuses. The lab schema (lab/schema.json, kept equal
// by test/lab/value-rules.test.ts), the providers' checks, the failover runner's arguments
// (run-failover.sh keeps a copy of the interface rule, tested the same way) and the quoting
// helpers (remote/shell.ts) all use these, so that what `validate` accepts is what reaches a host.

export interface ValueRule {
    readonly pattern: RegExp;
    /** What the pattern accepts, to follow "expected". */
    readonly description: string;
    readonly hint: string;
}

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

export const VALUE_RULES = {
    labName: {
        pattern: /^[a-z][a-z0-9-]{0,62}$/,
        description: "a lower-case letter, then up to 62 lower-case letters, digits or dashes",
        hint: "name the lab like a DNS label, e.g. seed-lab",
    },
    benchName: {
        pattern: /^[a-z][a-z0-9-]{0,14}$/,
        description: "a lower-case letter, then up to 14 lower-case letters, digits or dashes",
        hint: "bench names prefix namespaces and bridges, which allow 15 characters: e.g. emulated or t-bench",
    },
    suite: {
        pattern: /^[a-z][a-z0-9-]{0,31}$/,
        description: "a Debian suite name",
        hint: "use a Debian suite such as trixie or bookworm",
    },
    hostName: {
        pattern: /^[a-z][a-z0-9-]{0,30}$/,
        description: "a lower-case letter, then up to 30 lower-case letters, digits or dashes",
        hint: "name hosts by their part, e.g. client and server",
    },
    interfaceName: {
        pattern: /^[a-z][a-z0-9]{0,14}$/,
        description: "a Linux interface name: a lower-case letter, then up to 14 lower-case letters or digits",
        hint: "use the name `ip link` shows on the host, e.g. eth0 or wlan0",
    },
    packageName: {
        pattern: /^[a-z0-9][a-z0-9+.-]{1,62}$/,
        description: "a Debian package name",
        hint: "use the name `apt-cache show` knows, e.g. iperf3",
    },
    ipv4: {
        pattern: new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`),
        description: "an IPv4 address",
        hint: "write the address in dotted-decimal form, e.g. 198.18.0.133",
    },
    cidr: {
        pattern: new RegExp(`^(?:${OCTET}\\.){3}${OCTET}/(?:3[0-2]|[12]?[0-9])$`),
        description: "an IPv4 address with a prefix length",
        hint: "write the address with its prefix length, e.g. 198.18.0.133/24",
    },
    gitUrl: {
        pattern: /^(?:(?:https|git|ssh):\/\/(?:[A-Za-z0-9_][A-Za-z0-9._-]{0,63}@)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?(?::[0-9]{1,5})?|file:\/\/)(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~+-]+)+\/?$/u,
        description: "an https, git, ssh or file URL without query, fragment or shell characters",
        hint: "use the repository's plain clone URL, e.g. https://github.com/esnet/iperf.git",
    },
    gitTag: {
        pattern: /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/,
        description: "a git tag name",
        hint: "use a release tag of the repository, e.g. 3.21",
    },
    configureFlag: {
        pattern: /^--[a-z0-9-]+(=[A-Za-z0-9_./:-]*)?$/,
        description: "a ./configure option, --name or --name=value",
        hint: "write one option per list item, e.g. --disable-shared",
    },
    runToken: {
        pattern: /^[A-Za-z0-9._-]{1,64}$/,
        description: "1 to 64 letters, digits, dots, dashes or underscores",
        hint: "any short word will do, e.g. 2 or after-reboot",
    },
    loginUser: {
        pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
        description: "a Linux user name",
        hint: "use the login user on the host, e.g. pi",
    },
    hostKey: {
        pattern: /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/]+={0,3}( [A-Za-z0-9@._:+=/-]{1,100})?$/,
        description: "an OpenSSH public key, `type base64` as in known_hosts, optionally with a comment",
        hint: "get it on a trusted network with `ssh-keyscan -t ed25519 ADDRESS`",
    },
    absolutePath: {
        pattern: /^\/[A-Za-z0-9._/-]*$/,
        description: "an absolute path of letters, digits, dots, dashes, underscores and slashes",
        hint: "use a plain absolute path",
    },
} as const satisfies Record<string, ValueRule>;

export type ValueRuleName = keyof typeof VALUE_RULES;

/** A whole-number range, with the schema's `minimum` and `maximum`. */
export interface RangeRule {
    readonly minimum: number;
    readonly maximum: number;
    readonly description: string;
    readonly hint: string;
}

export const RANGE_RULES = {
    mptcpLimit: {
        minimum: 0,
        maximum: 8,
        description: "a whole number from 0 to 8, the kernel's range",
        hint: "the kernel refuses MPTCP limits above 8",
    },
    repeat: {
        minimum: 1,
        maximum: 50,
        description: "a whole number of runs from 1 to 50",
        hint: "run the failover sequence at most 50 times per test",
    },
} as const satisfies Record<string, RangeRule>;

export function withinRange(rule: RangeRule, value: unknown): value is number {
    return typeof value === "number" && Number.isInteger(value) && value >= rule.minimum && value <= rule.maximum;
}
