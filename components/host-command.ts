// One install step on a host as a @pulumi/command `remote.Command`: the host key pinned, the
// script on stdin with its values as quoted positional parameters, and re-runs decided by
// `triggers` alone. A changed connection (a new address, port, user or key) only updates the
// stored connection: the step's script runs again on the host and, finding its work done, reports
// the same result without rebuilding anything.
import * as crypto from "crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { parseKeyValues, scriptWithArguments } from "../remote/shell";
import type { HostConnection } from "../remote/ssh";
import type { RaspberryPi } from "./raspberry-pi";

/**
 * Shared by every step's script: `fail STATUS CODE MESSAGE` reports `<host>: <step>: exited with
 * STATUS: MESSAGE` on stderr, the form the dynamic providers' errors take too, behind the coded
 * line of errors/engine-text.ts (`[mptcp-lab:CODE host=... step="..."]`), so that the command line
 * knows the failure by its code (one of HOST_STEP_ERROR_CODES, errors/hints.ts). `apt_get` is
 * apt-get that waits for the package lock.
 */
export const prologue = `host_label=$1 step_label=$2
shift 2
quoted_step=\${step_label//\\\\/\\\\\\\\}
quoted_step=\${quoted_step//\\"/\\\\\\"}
fail() {
    local status=$1 code=$2
    shift 2
    printf '[mptcp-lab:%s host=%s step="%s"] %s: %s: exited with %s: %s\\n' "$code" "$host_label" "$quoted_step" "$host_label" "$step_label" "$status" "$*" >&2
    exit "$status"
}
# Waits for the package lock instead of failing on it: a Pi's unattended-upgrades, or the
# apt-get of a killed earlier run still finishing, may hold it.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }
`;

export interface HostCommandArgs {
    host: RaspberryPi;
    /** What the step does, for messages, e.g. `build iperf3 3.21`. */
    step: pulumi.Input<string>;
    /** A bash body reading its values as $1, $2, ...; reports results as `key=value` lines. */
    script: pulumi.Input<string>;
    /** The script's positional parameters, each validated by the caller. */
    arguments: pulumi.Input<pulumi.Input<string>[]>;
    /** Values whose change re-runs the step (the resource is replaced). */
    triggers: pulumi.Input<unknown>[];
}

/** The connection in the command provider's form, host key pinned. */
function commandConnection(connection: pulumi.Output<HostConnection>): pulumi.Output<command.types.input.remote.ConnectionArgs> {
    return connection.apply((c) => ({
        host: c.address,
        port: c.port,
        user: c.user,
        privateKey: c.privateKey,
        hostKey: c.hostKey,
        dialErrorLimit: 5,
        perDialTimeout: 15,
    }));
}

/** The first 16 hex digits of the script's sha256: a changed script re-runs its step. */
export function scriptRevision(script: string): string {
    return crypto.createHash("sha256").update(script).digest("hex").slice(0, 16);
}

export function hostCommand(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const body = pulumi.output(args.script).apply((script) => prologue + script);
    return new command.remote.Command(
        name,
        {
            connection: commandConnection(args.host.connection),
            // Root runs the script itself; another user (Raspberry Pi OS's `pi`) through sudo.
            // (The login user is no secret; the connection it comes from is.)
            create: pulumi.unsecret(args.host.connection.apply((c) => (c.user === "root" ? "bash -s" : "sudo -n bash -s"))),
            stdin: pulumi.all([body, args.step, args.arguments]).apply(([script, step, values]) => scriptWithArguments(script, [args.host.hostName, step, ...values])),
            triggers: [body.apply(scriptRevision), ...args.triggers],
            logging: "none",
        },
        { ...opts, additionalSecretOutputs: ["connection"] },
    );
}

/** The `key=value` lines a step printed. */
export function resultOf(step: command.remote.Command): pulumi.Output<Record<string, string>> {
    return step.stdout.apply((stdout) => parseKeyValues(stdout ?? ""));
}
