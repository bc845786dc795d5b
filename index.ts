// The mptcp-lab Pulumi program: the only composition root. Reads the lab from the stack's config,
// validates it, creates the components and exports the host facts and the failover results.
import * as pulumi from "@pulumi/pulumi";

const stack = pulumi.getStack();
throw new Error(
    `mptcp-lab: stack ${stack} cannot be provisioned yet: the lab components (components/) and the emulated bench (bench/) are not part of this build`,
);
