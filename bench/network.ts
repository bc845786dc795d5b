// The bench's wiring: a management bridge in the root namespace (the machine's side of SSH, apt
// and git), an emulated switch in its own namespace, and per host a namespace with mgmt0 plus the
// Pi-named lab interfaces. Every `ensure` creates what is missing and leaves what is there alone.

import * as fs from "node:fs";
import { ip, ipBatch, ipJson, run } from "./exec";
import { BOTTLENECK_BRIDGES, BOTTLENECK_LINK, bridgeForHost, interfaceMac, managementBridgeMac, SWITCH_BRIDGE, switchPort } from "./naming";
import { type BenchPlan, MANAGEMENT_INTERFACE, managementAddresses } from "./plan";
import { waitFor } from "./processes";
import { applyEgressShaping, applyLossRules, interfaceShaping, type PortLoss } from "./shaping";
import type { BenchObjectNames } from "./state";

export interface LinkInfo {
    readonly ifname: string;
    readonly flags: readonly string[];
    readonly operstate?: string;
    readonly master?: string;
    readonly addr_info?: readonly { family: string; local: string; prefixlen: number }[];
}

export function namespaceExists(namespace: string): boolean {
    return fs.existsSync(`/run/netns/${namespace}`);
}

/** Namespaces named in /run/netns (what `ip netns list` shows). */
export function listNamespaces(): string[] {
    return fs.existsSync("/run/netns") ? fs.readdirSync("/run/netns") : [];
}

async function ensureNamespace(namespace: string, sysctls: readonly string[] = []): Promise<boolean> {
    if (namespaceExists(namespace)) return false;
    await ip(undefined, ["netns", "add", namespace]);
    await ip(namespace, ["link", "set", "lo", "up"]);
    if (sysctls.length > 0) await run("ip", ["netns", "exec", namespace, "sysctl", "-q", "-w", ...sysctls]);
    return true;
}

/**
 * Each address is answered (ARP) only by its own interface, and ARP requests name the address of
 * the interface they leave from. Without this, two interfaces on one LAN answer for each other's
 * addresses ("ARP flux"): traffic for eth0 may travel through wlan0, so per-interface shaping and
 * a failing interface would no longer mean what the plan says.
 */
export const HOST_SYSCTLS = ["net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"];

/** A switch has no addresses of its own: no IPv6 link-local chatter from its ports. */
const SWITCH_SYSCTLS = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"];

/** Links (with addresses) of a namespace, or of the root namespace when none is given. */
export async function listLinks(namespace?: string): Promise<Map<string, LinkInfo>> {
    const links = await ipJson<LinkInfo>(namespace, ["address", "show"]);
    return new Map(links.map((link) => [link.ifname, link]));
}

export function hasAddress(link: LinkInfo | undefined, cidr: string): boolean {
    const [address, prefix] = cidr.split("/");
    return (link?.addr_info ?? []).some((entry) => entry.family === "inet" && entry.local === address && entry.prefixlen === Number(prefix));
}

/** Route metrics as NetworkManager gives them on Raspberry Pi OS: wired before wireless. */
export function routeMetric(interfaceName: string): number {
    if (interfaceName.startsWith("eth")) return 100;
    if (interfaceName.startsWith("wlan")) return 600;
    return 700;
}

export async function ensureManagementBridge(plan: BenchPlan, names: BenchObjectNames): Promise<void> {
    const management = managementAddresses(plan);
    const bridgeCidr = `${management.bridge}/${management.prefixLength}`;
    const bridge = (await listLinks()).get(names.managementBridge);
    const commands: string[][] = [];
    if (!bridge) commands.push(["link", "add", "name", names.managementBridge, "address", managementBridgeMac(plan.name), "type", "bridge"]);
    if (!hasAddress(bridge, bridgeCidr)) commands.push(["address", "add", bridgeCidr, "dev", names.managementBridge]);
    commands.push(["link", "set", names.managementBridge, "up"]);
    // The lab LAN is not reachable from the root namespace: without this route, a stray packet
    // for it would follow the machine's default route out of the machine.
    commands.push(["route", "replace", "unreachable", plan.subnet]);
    await ipBatch(undefined, commands);
}

async function ensureVethPair(
    outer: { namespace?: string; name: string; exists: boolean },
    inner: { namespace: string; name: string; exists: boolean; mac?: string },
): Promise<boolean> {
    if (outer.exists && inner.exists) return false;
    // A half pair cannot be completed: delete the remaining end and create both anew.
    if (outer.exists) await ip(outer.namespace, ["link", "del", outer.name]);
    if (inner.exists) await ip(inner.namespace, ["link", "del", inner.name]);
    const address = inner.mac ? ["address", inner.mac] : [];
    await ip(outer.namespace, ["link", "add", outer.name, "type", "veth", "peer", "name", inner.name, ...address, "netns", inner.namespace]);
    return true;
}

export async function ensureSwitch(plan: BenchPlan, names: BenchObjectNames, netemAvailable: () => Promise<boolean>): Promise<void> {
    const namespace = names.switchNamespace;
    await ensureNamespace(namespace, SWITCH_SYSCTLS);
    const links = await listLinks(namespace);
    const bridges = plan.sharedBottleneckMbit === undefined ? [SWITCH_BRIDGE] : [BOTTLENECK_BRIDGES.clientSide, BOTTLENECK_BRIDGES.serverSide];
    await ipBatch(
        namespace,
        bridges.flatMap((bridge) => [...(links.has(bridge) ? [] : [["link", "add", bridge, "type", "bridge"]]), ["link", "set", bridge, "up"]]),
    );
    if (plan.sharedBottleneckMbit === undefined) return;
    const created = await ensureVethPair(
        { namespace, name: BOTTLENECK_LINK.clientSide, exists: links.has(BOTTLENECK_LINK.clientSide) },
        { namespace, name: BOTTLENECK_LINK.serverSide, exists: links.has(BOTTLENECK_LINK.serverSide) },
    );
    await ipBatch(namespace, [
        ["link", "set", BOTTLENECK_LINK.clientSide, "master", BOTTLENECK_BRIDGES.clientSide, "up"],
        ["link", "set", BOTTLENECK_LINK.serverSide, "master", BOTTLENECK_BRIDGES.serverSide, "up"],
    ]);
    if (created) {
        const shaping = { rateMbit: plan.sharedBottleneckMbit, delayMs: 0 };
        const netem = await netemAvailable();
        for (const end of [BOTTLENECK_LINK.clientSide, BOTTLENECK_LINK.serverSide]) await applyEgressShaping(namespace, end, shaping, netem);
    }
}

export interface HostNetworkOptions {
    readonly plan: BenchPlan;
    readonly hostIndex: number;
    readonly names: BenchObjectNames;
    /** Asked only when a link is created, so a running bench never probes. */
    readonly netemAvailable: () => Promise<boolean>;
}

/** The host's namespace, its management link and its lab links with addresses and shaping. */
export async function ensureHostNetwork(options: HostNetworkOptions): Promise<void> {
    const { plan, hostIndex, names } = options;
    const host = plan.hosts[hostIndex];
    const namespace = names.hostNamespaces[host.name];
    await ensureNamespace(namespace, HOST_SYSCTLS);
    const rootLinks = await listLinks();
    let hostLinks = await listLinks(namespace);
    const managementPortName = names.managementPorts[host.name];
    const newManagementLink = await ensureVethPair(
        { name: managementPortName, exists: rootLinks.has(managementPortName) },
        { namespace, name: MANAGEMENT_INTERFACE, exists: hostLinks.has(MANAGEMENT_INTERFACE), mac: interfaceMac(plan.name, host.name, MANAGEMENT_INTERFACE) },
    );
    await ip(undefined, ["link", "set", managementPortName, "master", names.managementBridge, "up"]);

    const switchLinks = await listLinks(names.switchNamespace);
    const created = new Set<string>();
    for (const item of host.interfaces) {
        const port = switchPort(hostIndex, item.name);
        const fresh = await ensureVethPair(
            { namespace: names.switchNamespace, name: port, exists: switchLinks.has(port) },
            { namespace, name: item.name, exists: hostLinks.has(item.name), mac: interfaceMac(plan.name, host.name, item.name) },
        );
        if (fresh) created.add(item.name);
        await ip(names.switchNamespace, ["link", "set", port, "master", bridgeForHost(plan, hostIndex), "up"]);
    }

    hostLinks = await listLinks(namespace);
    const management = managementAddresses(plan);
    const managementCidr = `${management.hosts[hostIndex]}/${management.prefixLength}`;
    const commands: string[][] = [];
    if (!hasAddress(hostLinks.get(MANAGEMENT_INTERFACE), managementCidr)) {
        commands.push(["address", "add", managementCidr, "dev", MANAGEMENT_INTERFACE]);
    }
    commands.push(["link", "set", MANAGEMENT_INTERFACE, "up"]);
    for (const item of host.interfaces) {
        if (!hasAddress(hostLinks.get(item.name), item.cidr)) {
            commands.push(["address", "add", item.cidr, "dev", item.name, "metric", String(routeMetric(item.name))]);
        }
        // Only a new link is brought up: a link that exists may be down on purpose (a failover test).
        if (created.has(item.name)) commands.push(["link", "set", item.name, "up"]);
    }
    await ipBatch(namespace, commands);

    if (created.size > 0) await shapeNewLinks(options, created);
    await waitForCarrier(namespace, [...(newManagementLink ? [MANAGEMENT_INTERFACE] : []), ...created]);
}

async function shapeNewLinks(options: HostNetworkOptions, created: ReadonlySet<string>): Promise<void> {
    const { plan, hostIndex, names } = options;
    const host = plan.hosts[hostIndex];
    const namespace = names.hostNamespaces[host.name];
    const netem = await options.netemAvailable();
    const losses: PortLoss[] = [];
    for (const item of host.interfaces) {
        if (!created.has(item.name)) continue;
        const shaping = interfaceShaping(plan, item.name);
        await applyEgressShaping(namespace, item.name, shaping, netem);
        await applyEgressShaping(names.switchNamespace, switchPort(hostIndex, item.name), shaping, netem);
    }
    for (const [index, other] of plan.hosts.entries()) {
        for (const item of other.interfaces) losses.push({ port: switchPort(index, item.name), lossPercent: plan.shaping[item.name]?.lossPercent ?? 0 });
    }
    await applyLossRules(names.switchNamespace, losses);
}

/**
 * The kernel turns a new link's carrier on asynchronously (its queue stays inactive until then,
 * up to a second or two): wait, so that the hosts can talk when `up` returns.
 */
async function waitForCarrier(namespace: string, interfaces: readonly string[]): Promise<void> {
    if (interfaces.length === 0) return;
    await waitFor(async () => {
        const links = await listLinks(namespace);
        return interfaces.every((name) => links.get(name)?.operstate === "UP");
    }, 5_000, 50);
}
