// What mptcp-lab reads about a host: OS, kernel, architecture, MPTCP switch, interfaces, boot id.
import { parseKeyValues } from "./shell";

export interface InterfaceFacts {
    name: string;
    /** IPv4 addresses with prefix length. */
    addresses: string[];
    up: boolean;
}

export interface HostFacts {
    osId: string;
    osPrettyName: string;
    osCodename: string;
    kernelRelease: string;
    architecture: string;
    /** The kernel's boot id: changes at every boot (an emulated host's container gets its own at each start). */
    bootId: string;
    /** `net.mptcp.enabled`; null when the kernel has no MPTCP at all. */
    mptcpEnabled: boolean | null;
    interfaces: InterfaceFacts[];
    /** First line of `/usr/local/bin/iperf3 --version` (where source builds go); empty when absent. */
    localIperf3Version: string;
    /**
     * Whether that binary is the one mptcp-lab's last source build installed: `absent`, `as-built`
     * (its sha256 is the one the build recorded) or `replaced` (anything else, e.g. a hand edit).
     */
    localIperf3State: "absent" | "as-built" | "replaced";
    /**
     * What the last source build answered (its stamp's fifth line: `as built` or `replaced <id>`),
     * or, when the binary is `replaced`, a new `replaced <id>` naming that replacement: 12 hex
     * digits of the sha256 of the binary and the answer before it, so a second identical hand
     * replacement is still new. Empty when nothing is installed or the stamp predates it.
     */
    localIperf3Change: string;
}

/** Where source builds install iperf3, and the stamp in which the build records what it installed. */
export const localIperf3Binary = "/usr/local/bin/iperf3";
export const iperf3SourceDir = "/usr/local/src/mptcp-lab/iperf3";
export const iperf3InstallStamp = `${iperf3SourceDir}.installed`;

/** The kernel's MPTCP switch: absent on a kernel without MPTCP. */
export const mptcpSwitchFile = "/proc/sys/net/mptcp/enabled";

export const readFactsScript = [
    // Builtins where a process adds nothing: each costs an emulated host milliseconds of the
    // controller's CPU, and `drift --all` reads every host.
    ". /etc/os-release",
    'echo "os_id=${ID:-unknown}"',
    'echo "os_pretty=${PRETTY_NAME:-unknown}"',
    'echo "os_codename=${VERSION_CODENAME:-}"',
    // uname prints the release before the machine, whatever the order of its options.
    'read -r kernel arch <<<"$(uname -rm)"',
    'echo "kernel=$kernel"',
    'echo "arch=$arch"',
    "read -r boot_id </proc/sys/kernel/random/boot_id",
    'echo "boot_id=$boot_id"',
    "mptcp_enabled=absent",
    `{ read -r mptcp_enabled <${mptcpSwitchFile}; } 2>/dev/null || true`,
    'echo "mptcp_enabled=$mptcp_enabled"',
    // Captured, then cut to its first line: `| head -n 1` could kill iperf3 with SIGPIPE.
    `local_iperf3=$(${localIperf3Binary} --version 2>/dev/null || true); echo "local_iperf3=\${local_iperf3%%$'\\n'*}"`,
    // The build's stamp holds the installed binary's sha256 (line 4) and the change it answered (5).
    `if [ ! -e ${localIperf3Binary} ]; then echo local_iperf3_state=absent; else`,
    `  installed_sha=$(sha256sum < ${localIperf3Binary}); installed_sha=\${installed_sha%% *}`,
    `  stamp=(); { mapfile -t stamp < ${iperf3InstallStamp}; } 2>/dev/null || true; answered=\${stamp[4]:-}`,
    `  if [ "$installed_sha" = "\${stamp[3]:-}" ]; then echo local_iperf3_state=as-built; echo "local_iperf3_change=$answered";`,
    `  else echo local_iperf3_state=replaced; replacement=$(printf '%s %s' "$installed_sha" "$answered" | sha256sum); echo "local_iperf3_change=replaced \${replacement:0:12}"; fi`,
    "fi",
    "echo '--- addresses'",
    "ip -j -4 addr show",
    "",
].join("\n");

interface RawAddressEntry {
    ifname: string;
    flags?: string[];
    operstate?: string;
    addr_info?: { family: string; local: string; prefixlen: number }[];
}

export function parseFacts(output: string): HostFacts {
    const [keyValues, addressJson = "[]"] = output.split("--- addresses");
    const values = parseKeyValues(keyValues);
    const required = (key: string) => {
        const value = values[key];
        if (value === undefined) throw new Error(`the host's facts lack ${key}: ${JSON.stringify(output.slice(0, 200))}`);
        return value.trim();
    };
    const enabled = required("mptcp_enabled");
    const interfaces = (JSON.parse(addressJson.trim() || "[]") as RawAddressEntry[])
        .filter((entry) => entry.ifname !== "lo")
        .map((entry) => ({
            name: entry.ifname,
            addresses: (entry.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`),
            up: (entry.flags ?? []).includes("UP"),
        }));
    return {
        osId: required("os_id"),
        osPrettyName: required("os_pretty"),
        osCodename: (values.os_codename ?? "").trim(),
        kernelRelease: required("kernel"),
        architecture: required("arch"),
        bootId: required("boot_id"),
        mptcpEnabled: enabled === "absent" ? null : enabled === "1",
        interfaces,
        localIperf3Version: (values.local_iperf3 ?? "").trim(),
        localIperf3State: values.local_iperf3_state === "as-built" || values.local_iperf3_state === "replaced" ? values.local_iperf3_state : "absent",
        // The host writes the stamp: anything but the two known forms is dropped, not passed on.
        localIperf3Change: /^(as built|replaced [0-9a-f]{12})$/.exec((values.local_iperf3_change ?? "").trim())?.[0] ?? "",
    };
}

/**
 * Header packages to try, best first, for the running kernel. Raspberry Pi OS kernels carry
 * `+rpt-<flavour>` (e.g. `6.6.51+rpt-rpi-v8`) and also ship per-flavour packages; images before
 * Bookworm (`5.15.84-v8+`) had one `raspberrypi-kernel-headers`; Debian and Ubuntu use
 * `linux-headers-$(uname -r)`.
 */
export function headerPackageCandidates(facts: Pick<HostFacts, "kernelRelease">): string[] {
    const release = facts.kernelRelease;
    const candidates = [`linux-headers-${release}`];
    const flavour = /\+rpt-(.+)$/.exec(release)?.[1];
    if (flavour) candidates.push(`linux-headers-${flavour}`);
    if (/-v[678]l?\+$|-v8-16k\+$|^\d+\.\d+\.\d+\+$/.test(release)) candidates.push("raspberrypi-kernel-headers");
    return candidates;
}
