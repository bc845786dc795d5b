// Rules the lab checks share with the policy pack, as pure functions of plain values: the policy
// pack sees resource inputs, not a lab, so nothing here takes a LabSpec.
import type { EndpointFlag, HostRole, LimitsSpec } from "./types";
import { RANGE_RULES, VALUE_RULES } from "./value-rules";

/** The first iperf3 release with `--mptcp`. */
export const FIRST_NATIVE_MPTCP_RELEASE = { major: 3, minor: 19 } as const;

/** The kernel refuses MPTCP limits above this. */
export const KERNEL_MAX_SUBFLOWS = RANGE_RULES.mptcpLimit.maximum;

/** Release tags look like 3.21 or 3.19.1 (an optional -suffix for a fork's own releases). */
const RELEASE_TAG = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.]+)?$/;

export interface Iperf3Release {
    readonly major: number;
    readonly minor: number;
}

/** The release an iperf3 git ref names; undefined for a branch, a commit or anything else. */
export function iperf3ReleaseOf(tag: string): Iperf3Release | undefined {
    const match = RELEASE_TAG.exec(tag);
    return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

export function hasNativeMptcp(release: Iperf3Release): boolean {
    const first = FIRST_NATIVE_MPTCP_RELEASE;
    return release.major > first.major || (release.major === first.major && release.minor >= first.minor);
}

export function formatRelease(release: Iperf3Release): string {
    return `${release.major}.${release.minor}`;
}

/** The flag a host's extra addresses carry: the client opens subflows, the server announces. */
export function endpointFlagFor(role: HostRole): EndpointFlag {
    return role === "client" ? "subflow" : "signal";
}

/** The flag a host's role asks for, and the other role's flag, which it must not carry. */
export function roleFlags(role: HostRole): { wanted: EndpointFlag; unwanted: EndpointFlag } {
    return { wanted: endpointFlagFor(role), unwanted: endpointFlagFor(role === "client" ? "server" : "client") };
}

/** Whether an endpoint's flags suit the host's role: its own flag, and not the other role's. */
export function flagsFollowRole(role: HostRole, flags: readonly EndpointFlag[]): boolean {
    const { wanted, unwanted } = roleFlags(role);
    return flags.includes(wanted) && !flags.includes(unwanted);
}

/** The smallest report interval iperf3 -i accepts, in seconds. */
export const SHORTEST_INTERVAL_SECONDS = 0.1;

export type LinkTimingProblem = "failover-down-outside-run" | "failover-up-before-down" | "failover-up-after-end";

export interface LinkTiming {
    readonly downAtSeconds: number;
    /** Absent: the link comes back at the end of the run. */
    readonly upAtSeconds?: number;
    readonly durationSeconds: number;
}

/**
 * The failover test's link timing rule: the link goes down inside the run (0 < down < duration)
 * and comes back after it went down and at the latest at the end (down < up <= duration). The lab
 * checks, the provider's check, the runner's arguments and the policy pack all ask this.
 */
export function linkTimingProblems({ downAtSeconds, upAtSeconds, durationSeconds }: LinkTiming): LinkTimingProblem[] {
    const problems: LinkTimingProblem[] = [];
    if (!(downAtSeconds > 0 && downAtSeconds < durationSeconds)) problems.push("failover-down-outside-run");
    if (upAtSeconds !== undefined && !(upAtSeconds > downAtSeconds)) problems.push("failover-up-before-down");
    else if (upAtSeconds !== undefined && !(upAtSeconds <= durationSeconds)) problems.push("failover-up-after-end");
    return problems;
}

export interface EndpointAddress {
    readonly address: string;
    readonly flags: readonly EndpointFlag[];
}

/** How many addresses other than the primary one (which the first subflow uses already) carry
 *  `flag`. Without a known primary address, every address counts. */
export function extraAddressesWith(endpoints: readonly EndpointAddress[], flag: EndpointFlag, primaryAddress?: string): number {
    return new Set(endpoints.filter((endpoint) => endpoint.flags.includes(flag) && endpoint.address !== primaryAddress).map((endpoint) => endpoint.address)).size;
}

/** What the endpoints ask of the limits: the client opens one subflow per subflow address plus one
 *  per address the server announces, the server accepts as many, and the client accepts every
 *  announcement. Capped at what the kernel allows. */
export function limitsNeeded(role: HostRole, subflowAddresses: number, signalAddresses: number): LimitsSpec {
    return {
        subflows: Math.min(KERNEL_MAX_SUBFLOWS, subflowAddresses + signalAddresses),
        addAddrAccepted: role === "client" ? signalAddresses : 0,
    };
}

/** A host key in OpenSSH form (`ssh-ed25519 AAAA...`, as in known_hosts), as the lab schema asks. */
export function isPinnedHostKey(value: string): boolean {
    return VALUE_RULES.hostKey.pattern.test(value);
}
