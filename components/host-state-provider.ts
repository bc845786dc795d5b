// Dynamic provider for a host's baseline: `net.mptcp.enabled=1` now and at every boot (sysctl.d),
// and the facts mptcp-lab reports about the host. A refresh re-reads both, and `read` returns the
// live switch and file as inputs too, so drift shows as a diff of those fields; facts follow
// reboots (the boot id) and upgrades.
import { CodedError } from "../errors/coded-error";
import type * as pulumi from "@pulumi/pulumi";
import { codedOperations } from "./provider-shim";
import { HostFacts, mptcpSwitchFile, parseFacts, readFactsScript } from "../remote/host-facts";
import { scriptWithArguments } from "../remote/shell";
import { HostConnection, runRemote } from "../remote/ssh";

export const sysctlFile = "/etc/sysctl.d/90-mptcp-lab.conf";
// With eth0 and wlan0 on one subnet, a host would answer ARP for both addresses on both
// interfaces ("ARP flux") and traffic meant for one path would ride the other; loose
// reverse-path filtering (the kernel applies the larger of `all` and the interface's value) lets
// a subflow use the second interface.
const sysctlContent = [
    "# Managed by mptcp-lab: Multi-Path TCP on at boot, and one path per address.",
    "net.mptcp.enabled = 1",
    "net.ipv4.conf.all.arp_ignore = 1",
    "net.ipv4.conf.all.arp_announce = 2",
    "net.ipv4.conf.all.rp_filter = 2",
    "",
].join("\n");

export interface HostStateInputs {
    connection: HostConnection;
    hostName: string;
    /** `net.mptcp.enabled`: always true as declared; the live value after `read`. */
    mptcpEnabled: boolean;
    /** The sysctl.d file holds exactly what mptcp-lab writes: always true as declared; live after `read`. */
    persisted: boolean;
    providerVersion: string;
}

export interface HostStateOutputs extends HostStateInputs {
    facts: HostFacts;
}

/** Prints the host's facts and mptcp-lab's sysctl.d file ($1). */
const readStateScript = `${readFactsScript}echo '--- sysctl.d'\ncat "$1" 2>/dev/null || true\n`;

function parseState(stdout: string) {
    const [factsPart, persistedPart = ""] = stdout.split("--- sysctl.d\n");
    const facts = parseFacts(factsPart);
    return { facts, mptcpEnabled: facts.mptcpEnabled === true, persisted: persistedPart === sysctlContent };
}

async function readState(connection: HostConnection, hostName: string) {
    const script = scriptWithArguments(readStateScript, [sysctlFile]);
    return parseState((await runRemote(connection, { host: hostName, step: "read host facts", script, timeoutSeconds: 60, readOnly: true })).stdout);
}

/**
 * Writes the sysctl.d file ($1) with its content ($2) and applies it, then reads the host: one SSH
 * round trip on the way to the first package install. A kernel without MPTCP gets nothing written.
 */
const enableScript = `if [ -e ${mptcpSwitchFile} ]; then\n    printf "%s" "$2" > "$1"\n    sysctl -q -p "$1"\nfi\n${readStateScript}`;

async function enable(inputs: HostStateInputs): Promise<HostStateOutputs> {
    const script = scriptWithArguments(enableScript, [sysctlFile, sysctlContent]);
    const state = parseState((await runRemote(inputs.connection, { host: inputs.hostName, step: "enable MPTCP", script, timeoutSeconds: 60 })).stdout);
    if (state.facts.mptcpEnabled === null) {
        throw new CodedError("host-no-mptcp", `${inputs.hostName}: enable MPTCP: kernel ${state.facts.kernelRelease} has no MPTCP (/proc/sys/net/mptcp is missing)`, {
            host: inputs.hostName,
            step: "enable MPTCP",
            value: state.facts.kernelRelease,
        });
    }
    return { ...inputs, ...state };
}

// The engine loads this through a shim; its version, bumped when its behaviour changes, is in ./providers.ts.
export const operations: pulumi.dynamic.ResourceProvider = codedOperations({
    async check(_olds: HostStateInputs, news: HostStateInputs) {
        // The provider only switches MPTCP on: turning it off could cut other software's connections.
        const failures = (["mptcpEnabled", "persisted"] as const)
            .filter((property) => news[property] !== true)
            .map((property) => ({ property, reason: `mptcp-lab only sets ${property} to true, not ${JSON.stringify(news[property])}` }));
        return { inputs: news, failures };
    },
    async diff(_id: string, olds: HostStateOutputs, news: HostStateInputs) {
        const drifted = !olds.mptcpEnabled || !olds.persisted;
        const moved = JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
        return { changes: drifted || moved || olds.providerVersion !== news.providerVersion };
    },
    async create(inputs: HostStateInputs) {
        return { id: `host-state/${inputs.hostName}`, outs: await enable(inputs) };
    },
    async update(_id: string, _olds: HostStateOutputs, news: HostStateInputs) {
        return { outs: await enable(news) };
    },
    async read(id: string, props: HostStateOutputs) {
        const live = await readState(props.connection, props.hostName);
        const inputs: HostStateInputs = { connection: props.connection, hostName: props.hostName, mptcpEnabled: live.mptcpEnabled, persisted: live.persisted, providerVersion: props.providerVersion };
        return { id, props: { ...props, ...live }, inputs };
    },
    async delete() {
        // MPTCP stays on: turning it off could cut connections other software on the host relies on.
    },
});
