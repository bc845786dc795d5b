// What every policy here shares: the type tokens the components register, the input shapes the
// policies read, reading inputs that a preview may not know yet, and one form for messages.
import { UnknownValueError, type PolicyResource, type ResourceValidation } from "@pulumi/policy";
import type { EndpointFlag, HostRole } from "../lab/types";

const dynamicType = (name: string) => `pulumi-nodejs:dynamic/mptcp-lab:${name}`;

/** The components' resources (components/*.ts); the policies key on these tokens. */
export const resourceTypes = {
    hostState: dynamicType("HostState"),
    /** The Iperf3 component, whose inputs name the source it builds. */
    iperf3: "mptcp-lab:host:Iperf3",
    /** @pulumi/command's remote command: the kernel headers install and the iperf3 build. */
    remoteCommand: "command:remote:Command",
    mptcpEndpointState: dynamicType("MptcpEndpointState"),
    failoverTestRun: dynamicType("FailoverTestRun"),
    benchInstance: dynamicType("BenchInstance"),
} as const;

// The inputs as the engine hands them to a policy: plain JSON, secrets unwrapped. Only the fields
// the policies read; the components' own interfaces stay out, so that the pack type-checks alone.

export interface ConnectionProps {
    address: string;
    port: number;
    user: string;
    privateKey: string;
    hostKey: string;
}

/** @pulumi/command's connection. */
export interface CommandConnectionProps {
    host: string;
    port: number;
    user: string;
    privateKey: string;
    hostKey?: string;
}

export interface Iperf3Props {
    hostName: string;
    from: "source" | "package";
    repository: string;
    tag: string;
    package: string;
}

export interface MptcpEndpointStateProps {
    hostName: string;
    role: HostRole;
    endpoints: { address: string; device: string; flags: EndpointFlag[]; id?: number }[];
    limits: { subflows: number; addAddrAccepted: number };
}

export interface FailoverHostProps {
    name: string;
    connection: ConnectionProps;
}

export interface FailoverTestRunProps {
    client: FailoverHostProps;
    server: FailoverHostProps;
    serverAddress: string;
    failingHost: HostRole;
    failingInterface: string;
    failingAddress: string;
    durationSeconds: number;
    downAtSeconds: number;
    upAtSeconds?: number;
    mptcp: "native" | "mptcpize";
}

export interface BenchInstanceProps {
    plan: {
        name: string;
        hosts: { name: string; interfaces: { name: string; cidr: string }[] }[];
        shaping: Record<string, { rateMbit: number; delayMs: number; lossPercent: number }>;
        sharedBottleneckMbit?: number;
    };
}

/**
 * Reads a value a preview may not know yet (it comes from a resource not created yet, e.g. the
 * emulated bench's host keys); undefined then. @pulumi/policy throws UnknownValueError on such a
 * read, and `up` checks the resource again once the value is known.
 */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (error) {
        if (error instanceof UnknownValueError) return undefined;
        throw error;
    }
}

/** A resource validation that looks only at the given types. */
export function forTypes(types: readonly string[], validate: ResourceValidation): ResourceValidation {
    return (args, reportViolation) => (types.includes(args.type) ? validate(args, reportViolation) : undefined);
}

export function resourcesOfType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((resource) => resource.type === type);
}

export interface ViolationDetails {
    /** What is wrong, with the value seen. */
    readonly found: string;
    readonly expected: string;
    /** How to fix it. */
    readonly fix: string;
}

/** One line, shaped like the lab validator's: `found (expected ...). Fix: ...`. */
export function violation(details: ViolationDetails): string {
    return `${details.found} (expected ${details.expected}). Fix: ${details.fix}`;
}
