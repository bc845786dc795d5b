// The shape of a lab as written, once it has passed lab/schema.json: optional fields are still
// optional here, and normalise.ts fills in their defaults.
import type { BenchUser, EndpointFlag, HostRole, Iperf3MptcpMode } from "./types";

export interface ShapingDocument {
    readonly rateMbit: number;
    readonly delayMs?: number;
    readonly lossPercent?: number;
}

export interface BenchDocument {
    readonly name: string;
    readonly subnet: string;
    readonly managementSubnet?: string;
    readonly suite?: string;
    readonly user?: BenchUser;
    readonly shaping?: Readonly<Record<string, ShapingDocument>>;
    readonly networkManager?: readonly string[];
    readonly sharedBottleneckMbit?: number;
}

export interface ConnectionDocument {
    readonly address: string;
    readonly port?: number;
    readonly user: string;
    readonly hostKey: string;
}

export interface EndpointDocument {
    readonly address: string;
    readonly device: string;
    readonly flags: readonly EndpointFlag[];
    readonly id?: number;
}

export interface HostDocument {
    readonly role: HostRole;
    readonly connection?: ConnectionDocument;
    readonly interfaces: Readonly<Record<string, string>>;
    readonly endpoints?: readonly EndpointDocument[];
    readonly limits?: { readonly subflows?: number; readonly addAddrAccepted?: number };
    readonly headers?: string;
    readonly persist?: boolean;
}

export interface Iperf3Document {
    readonly source?: { readonly repository?: string; readonly tag?: string; readonly configureFlags?: readonly string[] };
    readonly package?: string;
    readonly mptcp?: Iperf3MptcpMode;
}

export interface FailoverDocument {
    readonly host: string;
    readonly interface: string;
    readonly durationSeconds?: number;
    readonly intervalSeconds?: number;
    readonly downAtSeconds?: number;
    readonly upAtSeconds?: number;
    readonly direction?: "forward" | "reverse";
    readonly control?: boolean;
    readonly runToken?: string;
    readonly repeat?: number;
    readonly failback?: "stay" | "reannounce";
    readonly allowOnlyPath?: boolean;
    readonly allowManagementPath?: boolean;
}

export interface LabDocument {
    readonly name: string;
    readonly bench?: BenchDocument;
    readonly hosts: Readonly<Record<string, HostDocument>>;
    readonly iperf3: Iperf3Document;
    readonly failover: FailoverDocument;
}
