// SSH connections: every host key pinned, and every private key kept encrypted in the state.
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { hintFor, showValue } from "../lab/errors";
import { isPinnedHostKey } from "../lab/rules";
import { forTypes, known, resourceTypes, violation, type CommandConnectionProps, type ConnectionProps, type FailoverTestRunProps } from "./resources";

/** The resources that carry a connection in `connection`, and the host each one names. */
const singleConnectionTypes = [resourceTypes.hostState, resourceTypes.remoteCommand, resourceTypes.mptcpEndpointState];

interface HostConnection {
    readonly host: string | undefined;
    readonly connection: ConnectionProps | undefined;
}

function connectionsOf(args: ResourceValidationArgs): HostConnection[] {
    if (args.type === resourceTypes.failoverTestRun) {
        const props = args.props as FailoverTestRunProps;
        return (["client", "server"] as const).map((role) => ({ host: known(() => props[role].name), connection: known(() => props[role].connection) }));
    }
    if (args.type === resourceTypes.remoteCommand) {
        // @pulumi/command names the address `host`; the resource's name says which host it is.
        const connection = known(() => {
            const c = (args.props as { connection: CommandConnectionProps }).connection;
            return typeof c === "object" && c !== null ? { ...c, address: c.host } : c;
        });
        return [{ host: args.name, connection: connection as ConnectionProps | undefined }];
    }
    const props = args.props as { hostName: string; connection: ConnectionProps };
    return [{ host: known(() => props.hostName), connection: known(() => props.connection) }];
}

export const hostKeysPinned: ResourceValidationPolicy = {
    name: "host-keys-pinned",
    description: "Every SSH connection pins the host's key in OpenSSH form (`ssh-ed25519 AAAA...`), so that the controller never talks to an impostor.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([...singleConnectionTypes, resourceTypes.failoverTestRun], (args, reportViolation) => {
        for (const { host, connection } of connectionsOf(args)) {
            // An unknown connection (the emulated bench's, in a preview) is checked by `up`.
            if (connection === undefined) continue;
            const isObject = typeof connection === "object" && connection !== null;
            const hostKey: unknown = isObject && "hostKey" in connection ? known(() => connection.hostKey) : null;
            if (hostKey === undefined || (typeof hostKey === "string" && isPinnedHostKey(hostKey))) continue;
            const address = isObject ? known(() => connection.address) : undefined;
            reportViolation(
                violation({
                    found: `the connection to ${host}${address === undefined ? "" : ` (${address})`} has host key ${hostKey === null ? "nothing" : showValue(hostKey)}`,
                    expected: "a key in OpenSSH form, `type base64` as in known_hosts, e.g. ssh-ed25519 AAAA...",
                    fix: hintFor("placeholder-value"),
                }),
            );
        }
    }),
};

/** Outputs that hold a private key, by resource type. */
const secretOutputsByType: Readonly<Record<string, readonly string[]>> = {
    ...Object.fromEntries(singleConnectionTypes.map((type) => [type, ["connection"]])),
    [resourceTypes.failoverTestRun]: ["client", "server"],
    [resourceTypes.benchInstance]: ["privateKey"],
};

export const privateKeysAreSecrets: ResourceValidationPolicy = {
    name: "private-keys-are-secrets",
    description:
        "Every property that holds an SSH private key is a secret output (additionalSecretOutputs), so that the state keeps it encrypted. " +
        "A policy cannot see whether an input arrived as a secret: @pulumi/policy hands policies plain values.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(Object.keys(secretOutputsByType), (args, reportViolation) => {
        const required = secretOutputsByType[args.type];
        const declared = args.opts.additionalSecretOutputs;
        const missing = required.filter((property) => !declared.includes(property));
        if (missing.length === 0) return;
        reportViolation(
            violation({
                found: `${args.name} holds a private key in ${missing.join(", ")}, which its additionalSecretOutputs ${showValue(declared)} leave out, so the state would keep it in plain text`,
                expected: `additionalSecretOutputs including ${required.join(", ")}`,
                fix: `Register the resource with { additionalSecretOutputs: ${JSON.stringify(required)} } and pass the connection through resolveConnection (components/connection.ts), which makes it a secret, as the mptcp-lab components do.`,
            }),
        );
    }),
};

export const connectionPolicies = [hostKeysPinned, privateKeysAreSecrets];
