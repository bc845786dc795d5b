import * as pulumi from "@pulumi/pulumi";
import { LAB_DEFAULTS } from "../lab/normalise";
import type { HostConnection } from "../remote/ssh";

/** How the controller reaches a host over SSH. */
export interface HostConnectionArgs {
    /** Address the controller connects to. */
    address: pulumi.Input<string>;
    /** SSH port; default 22. */
    port?: pulumi.Input<number>;
    /** Login user; root, or a user with passwordless sudo (Raspberry Pi OS's `pi`). */
    user: pulumi.Input<string>;
    /** OpenSSH private key; pass it as a Pulumi secret. */
    privateKey: pulumi.Input<string>;
    /** Pinned host key, `type base64` as in known_hosts; the connection is refused on a mismatch. */
    hostKey: pulumi.Input<string>;
}

/** Resolves the connection into one secret value (it holds the private key). */
export function resolveConnection(args: HostConnectionArgs): pulumi.Output<HostConnection> {
    return pulumi.secret(
        pulumi.all([args.address, args.port ?? LAB_DEFAULTS.port, args.user, args.privateKey, args.hostKey]).apply(([address, port, user, privateKey, hostKey]) => ({
            address,
            port,
            user,
            privateKey,
            hostKey,
        })),
    );
}
