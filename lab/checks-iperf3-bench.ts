// Semantic checks on the iperf3 pin and on the emulated bench's networks.
import { labProblem, type LabProblem } from "./errors";
import { formatPrefix, parseAddress, parseCidr, prefixContains, prefixesOverlap, prefixWithin, type Ipv4Prefix } from "./ipv4";
import type { Locate } from "./locate";
import { FIRST_NATIVE_MPTCP_RELEASE, formatRelease, hasNativeMptcp, iperf3ReleaseOf } from "./rules";
import type { LabSpec } from "./types";

/** RFC 2544's benchmarking range: never routed on a real network. */
const BENCHMARK_RANGE: Ipv4Prefix = parseCidr("198.18.0.0/15").prefix;

export function checkIperf3Pin(lab: LabSpec, locate: Locate): LabProblem[] {
    const iperf3 = lab.iperf3;
    if (iperf3.from === "package") {
        if (iperf3.mptcp !== "native") return [];
        return [labProblem("iperf3-native-package", locate(["iperf3", "mptcp"]), { message: `mptcp: native with the OS package ${iperf3.package}, which may predate --mptcp`, value: iperf3.mptcp, expected: "auto or mptcpize with an OS package" })];
    }
    const site = locate(["iperf3", "source", "tag"]);
    const release = iperf3ReleaseOf(iperf3.tag);
    if (!release) {
        return [labProblem("iperf3-branch-not-tag", site, { message: `${iperf3.tag} is not a release tag`, value: iperf3.tag, expected: "a release tag such as 3.21" })];
    }
    if (iperf3.mptcp === "native" && !hasNativeMptcp(release)) {
        return [labProblem("iperf3-tag-too-old", site, { message: `${iperf3.tag} predates iperf3's --mptcp (mptcp: native)`, value: iperf3.tag, expected: `${formatRelease(FIRST_NATIVE_MPTCP_RELEASE)} or later` })];
    }
    return [];
}

export function checkBenchNetworks(lab: LabSpec, locate: Locate): LabProblem[] {
    const bench = lab.bench;
    if (!bench) return [];
    const problems: LabProblem[] = [];
    const subnets = { subnet: parseCidr(bench.subnet), managementSubnet: parseCidr(bench.managementSubnet) } as const;
    for (const [field, { address, prefix }] of Object.entries(subnets)) {
        const cidr = bench[field as keyof typeof subnets];
        const site = locate(["bench", field]);
        if (!prefixWithin(prefix, BENCHMARK_RANGE)) {
            problems.push(labProblem("bench-subnet-outside-range", site, { message: `${cidr} is outside ${formatPrefix(BENCHMARK_RANGE)}`, value: cidr, expected: `a subnet of ${formatPrefix(BENCHMARK_RANGE)}` }));
        }
        if (address !== prefix.network) {
            problems.push(labProblem("bench-subnet-host-bits", site, { message: `${cidr} has host bits set`, value: cidr, expected: formatPrefix(prefix) }));
        }
    }
    const lan = subnets.subnet.prefix;
    if (prefixesOverlap(lan, subnets.managementSubnet.prefix)) {
        problems.push(labProblem("bench-subnets-overlap", locate(["bench", "managementSubnet"]), { message: `${bench.managementSubnet} overlaps the lab subnet ${bench.subnet}`, value: bench.managementSubnet, expected: `a subnet apart from ${bench.subnet}` }));
    }
    for (const host of lab.hosts) {
        for (const entry of host.interfaces) {
            if (prefixContains(lan, parseAddress(entry.address))) continue;
            problems.push(labProblem("bench-address-outside-subnet", locate(["hosts", host.name, "interfaces", entry.name]), { message: `${entry.address} is outside the bench subnet ${bench.subnet}`, value: entry.cidr, expected: `an address in ${bench.subnet}` }));
        }
    }
    return problems;
}
