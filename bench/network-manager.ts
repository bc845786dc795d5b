// NetworkManager on chosen bench hosts, as Raspberry Pi OS runs it: installed through the bench's
// package proxy and started by the host's systemd, with one keyfile connection per lab interface
// that holds the bench's address (so nothing moves), the route metrics NetworkManager gives on a
// Pi (wired 100, wireless 600) and a default route, as a Pi has from its router. NetworkManager
// adds MPTCP endpoints only for connections with a default route: the gateway is an address of the
// lab LAN that no host has, so nothing answers there and nothing leaves the bench's switch.
// mgmt0 stays the bench's: NetworkManager leaves it unmanaged.

import { formatIpv4, isHostAddressOf, mustParseCidr, networkAddress, parseCidr } from "./addresses";
import { BenchError } from "./errors";
import { machineInit, runInMachine } from "./host";
import { type BenchPlan, MANAGEMENT_INTERFACE } from "./plan";
import { routeMetric } from "./network";

/** The bench's drop-in: mgmt0 unmanaged, no automatic "Wired connection N" profiles. */
export const BENCH_NETWORK_MANAGER_CONF = [
    "# Written by the mptcp-lab bench: the management link belongs to the bench, never to NetworkManager,",
    "# and the lab interfaces use the bench's keyfiles only.",
    "[main]",
    "no-auto-default=*",
    "",
    "[keyfile]",
    `unmanaged-devices=interface-name:${MANAGEMENT_INTERFACE}`,
    "",
].join("\n");

/** A connection's id on the bench, e.g. `bench-eth0` (what `nmcli connection modify` takes). */
export function connectionId(interfaceName: string): string {
    return `bench-${interfaceName}`;
}

/** The first host address of the lab LAN that no interface of the plan has: the hosts' default gateway. */
export function defaultGateway(plan: BenchPlan): string {
    const subnet = mustParseCidr(plan.subnet);
    const taken = new Set(plan.hosts.flatMap((host) => host.interfaces.map((item) => parseCidr(item.cidr)?.address)));
    for (let address = networkAddress(subnet) + 1; isHostAddressOf(subnet, address); address++) {
        if (!taken.has(address)) return formatIpv4(address);
    }
    throw new BenchError("BENCH_PLAN_INVALID", `the subnet ${plan.subnet} has no free address for the default gateway NetworkManager needs`);
}

/** The keyfile of one lab interface: its bench address, a Pi's route metric, the default gateway. */
export function renderKeyfile(interfaceName: string, cidr: string, gateway: string): string {
    return [
        "# Written by the mptcp-lab bench: the interface as NetworkManager manages it on a Raspberry Pi,",
        "# with the address the bench gives it.",
        "[connection]",
        `id=${connectionId(interfaceName)}`,
        "type=ethernet",
        `interface-name=${interfaceName}`,
        "autoconnect=true",
        "",
        "[ipv4]",
        "method=manual",
        `address1=${cidr},${gateway}`,
        `route-metric=${routeMetric(interfaceName)}`,
        "",
        "[ipv6]",
        "method=disabled",
        "",
    ].join("\n");
}

/**
 * Runs as root inside the host. Arguments: the drop-in, then pairs of connection id and keyfile.
 * The files go first, so that NetworkManager's first start already knows them; apt goes through
 * the bench's proxy (the base image's apt.conf.d); then each connection is brought up, which takes
 * over the interface with the same address.
 */
const INSTALL_SCRIPT = [
    "set -euo pipefail",
    "export DEBIAN_FRONTEND=noninteractive LC_ALL=C",
    "install -d -m 755 /etc/NetworkManager /etc/NetworkManager/conf.d",
    "install -d -m 700 /etc/NetworkManager/system-connections",
    "printf '%s' \"$1\" >/etc/NetworkManager/conf.d/10-mptcp-lab-bench.conf",
    "shift",
    "ids=()",
    "while [ $# -gt 1 ]; do",
    "    file=/etc/NetworkManager/system-connections/$1.nmconnection",
    "    install -m 600 /dev/null \"$file\"",
    "    printf '%s' \"$2\" >\"$file\"",
    "    ids+=(\"$1\")",
    "    shift 2",
    "done",
    "status=$(dpkg-query -W -f='${Status}' network-manager 2>/dev/null) || status=",
    "if [ \"$status\" != \"install ok installed\" ]; then",
    "    apt-get update -qq",
    "    apt-get install -y -qq --no-install-recommends network-manager >/dev/null",
    "fi",
    "systemctl enable --now NetworkManager.service",
    "nmcli connection reload",
    "for id in \"${ids[@]}\"; do nmcli --wait 60 connection up id \"$id\" >/dev/null; done",
    "echo \"NetworkManager $(NetworkManager --version): $(systemctl is-active NetworkManager.service)\"",
    "",
].join("\n");

/** Installs (when missing) and starts NetworkManager on one running host; returns its version line. */
export async function startNetworkManager(plan: BenchPlan, hostName: string, namespace: string): Promise<string> {
    const host = plan.hosts.find((candidate) => candidate.name === hostName);
    const init = machineInit(namespace);
    if (!host || !init) throw new BenchError("BENCH_NETWORK_MANAGER_FAILED", `no running host ${hostName} to start NetworkManager on`);
    const gateway = defaultGateway(plan);
    const keyfiles = host.interfaces.flatMap((item) => [connectionId(item.name), renderKeyfile(item.name, item.cidr, gateway)]);
    const result = await runInMachine(init, ["/bin/bash", "-c", INSTALL_SCRIPT, "mptcp-lab-network-manager", BENCH_NETWORK_MANAGER_CONF, ...keyfiles], { timeoutMs: 10 * 60_000 });
    if (!result.ok) {
        const detail = (result.stdout + result.stderr).trim().split("\n").slice(-8).join("\n");
        throw new BenchError("BENCH_NETWORK_MANAGER_FAILED", `NetworkManager does not start on ${hostName} (exit ${result.exitCode}):\n${detail}`);
    }
    return result.stdout.trim();
}
