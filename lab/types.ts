// The normalised lab specification: what the lab pipeline (load -> schema -> normalise -> checks)
// produces and what index.ts, the bench and the CLI consume. Plain data, frozen, no Pulumi types.

/** MPTCP endpoint flags understood by `ip mptcp endpoint add`. */
export type EndpointFlag = "subflow" | "signal" | "backup" | "fullmesh";

/** The part a host plays in the iperf3 test. */
export type HostRole = "client" | "server";

export interface InterfaceSpec {
    /** Interface name as on the host, e.g. `eth0`, `wlan0`. */
    readonly name: string;
    /** IPv4 address with prefix length, e.g. `198.18.0.133/24`. */
    readonly cidr: string;
    /** The IPv4 address alone, e.g. `198.18.0.133`. */
    readonly address: string;
}

export interface EndpointSpec {
    /** IPv4 address the endpoint announces or uses. */
    readonly address: string;
    /** Device the endpoint is bound to (always given, see FIELD-NOTES). */
    readonly device: string;
    readonly flags: readonly EndpointFlag[];
    /** Kernel endpoint id; assigned by the kernel when absent. */
    readonly id?: number;
}

export interface LimitsSpec {
    /** Maximum number of additional subflows per connection (kernel default 2). */
    readonly subflows: number;
    /** Maximum number of ADD_ADDR announcements accepted per connection (kernel default 0). */
    readonly addAddrAccepted: number;
}

/** How the controller reaches a host. For emulated hosts the bench fills this in. */
export interface ConnectionSpec {
    readonly address: string;
    readonly port: number;
    readonly user: string;
    /** Pinned host key in OpenSSH public-key form (`ssh-ed25519 AAAA...`); the lab requires it,
     *  since host-key checking is never turned off. */
    readonly hostKey: string;
}

export interface HeadersSpec {
    /** `auto` picks the package from the running kernel; anything else is an explicit package name. */
    readonly package: string;
}

export interface HostSpec {
    readonly name: string;
    readonly role: HostRole;
    /** Absent for emulated hosts, whose connection the bench provides. */
    readonly connection?: ConnectionSpec;
    readonly interfaces: readonly InterfaceSpec[];
    readonly endpoints: readonly EndpointSpec[];
    readonly limits: LimitsSpec;
    readonly headers: HeadersSpec;
    /** Install a boot-time unit that re-applies endpoints and limits. */
    readonly persist: boolean;
}

/** How iperf3 gets MPTCP: `native` runs `iperf3 --mptcp` (a build of 3.19 or later); `mptcpize` runs
 *  iperf3 under `mptcpize run`, which also makes its plain-TCP control connection MPTCP; `auto`
 *  picks `native` when the installed iperf3 offers `--mptcp` and `mptcpize` otherwise. */
export type Iperf3MptcpMode = "native" | "mptcpize" | "auto";

/** Where the iperf3 binary comes from. */
export type Iperf3Build =
    | {
          readonly from: "source";
          /** Any git URL the host can reach. */
          readonly repository: string;
          /** Release tag, e.g. `3.21`; never a branch. */
          readonly tag: string;
          readonly configureFlags: readonly string[];
      }
    | {
          readonly from: "package";
          /** OS package name, normally `iperf3`. */
          readonly package: string;
      };

export type Iperf3Spec = Iperf3Build & {
    readonly mptcp: Iperf3MptcpMode;
};

export interface FailoverSpec {
    /** Name of the host whose interface fails. */
    readonly host: string;
    readonly interface: string;
    readonly durationSeconds: number;
    readonly intervalSeconds: number;
    readonly downAtSeconds: number;
    /** When the link comes back; absent means at the end of the test. */
    readonly upAtSeconds?: number;
    /** `forward`: client sends; `reverse`: server sends (iperf3 -R). */
    readonly direction: "forward" | "reverse";
    /** Also run a plain-TCP control whose own path fails the same way. */
    readonly control: boolean;
    /** Bump to re-run the test on the next `up` without changing anything else. */
    readonly runToken: string;
    /** How many times one test runs; the figures' spread is exported when more than once. */
    readonly repeat: number;
    /** After the link returns: `stay` on the surviving path, or `reannounce` its endpoints (delete and re-add) so the subflow comes back. */
    readonly failback: "stay" | "reannounce";
    /** The lab author accepts failing the host's only MPTCP path (the connection then dies). */
    readonly allowOnlyPath: boolean;
    /** The lab author accepts failing the interface the controller reaches the host by. */
    readonly allowManagementPath: boolean;
}

export interface TcShapingSpec {
    readonly rateMbit: number;
    readonly delayMs: number;
    readonly lossPercent: number;
}

/** Who logs in to the emulated hosts. */
export type BenchUser = "pi" | "root";

export interface BenchSpec {
    readonly name: string;
    /** The lab LAN, e.g. `198.18.0.0/24`. */
    readonly subnet: string;
    /** The management network between the machine and the hosts, e.g. `198.19.0.0/24`. */
    readonly managementSubnet: string;
    /** Debian suite of the shared base image. */
    readonly suite: string;
    /** Login user on the hosts: `pi` (through `sudo -n`, as on a Pi) or `root`. */
    readonly user: BenchUser;
    /** Shaping per interface name (`eth0`, `wlan0`). */
    readonly shaping: Readonly<Record<string, TcShapingSpec>>;
    /** Hosts that run NetworkManager, as Raspberry Pi OS does (default none). */
    readonly networkManager: readonly string[];
    /** One shared bottleneck between the two sides instead of per-interface paths that add up. */
    readonly sharedBottleneckMbit?: number;
}

export interface LabSpec {
    readonly name: string;
    /** Present when the hosts live on an emulated bench created by the same stack. */
    readonly bench?: BenchSpec;
    readonly hosts: readonly HostSpec[];
    readonly iperf3: Iperf3Spec;
    readonly failover: FailoverSpec;
}
