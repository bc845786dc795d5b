import * as pulumi from "@pulumi/pulumi";
import { RUNNER_VERSION } from "../failover";
import { LAB_DEFAULTS } from "../lab/normalise";
import type { FailoverRun } from "../failover";
import { failoverTestProvider, failoverTestProviderVersion } from "./providers";
import type { FailoverRepetition, FailoverTestInputs, FailoverTestOutputs } from "./failover-test-provider";
import type { DynamicInputs } from "./dynamic-inputs";
import { DynamicResource } from "./dynamic-resource";
import type { RaspberryPi } from "./raspberry-pi";

export interface FailoverTestArgs {
    client: RaspberryPi;
    server: RaspberryPi;
    /** Address the client connects to: the server's first interface. */
    serverAddress: pulumi.Input<string>;
    /** Which host loses an interface. */
    failingHost: pulumi.Input<"client" | "server">;
    /** The interface that goes down, e.g. `wlan0`. */
    failingInterface: pulumi.Input<string>;
    /** The failing host's address on that interface; the plain-TCP control is bound to it. */
    failingAddress: pulumi.Input<string>;
    /** Test length in whole seconds (a lab's default: 10). */
    durationSeconds: pulumi.Input<number>;
    /** iperf3 report interval in seconds (a lab's default: 0.1). */
    intervalSeconds: pulumi.Input<number>;
    /** When the interface goes down, in seconds from the start (a lab's default: 3). */
    downAtSeconds: pulumi.Input<number>;
    /** When it comes back; default the end of the test. */
    upAtSeconds?: pulumi.Input<number>;
    /** After the link returns: `stay` on the surviving path, or `reannounce` its endpoints so the subflow comes back; default `stay`. */
    failback?: pulumi.Input<"stay" | "reannounce">;
    /** `forward`: the client sends; `reverse`: the server sends. */
    direction: pulumi.Input<"forward" | "reverse">;
    /** Also run plain TCP over the failing path, to show what MPTCP saved. */
    control: pulumi.Input<boolean>;
    /** How iperf3 gets MPTCP: `native` (--mptcp) or `mptcpize`. */
    mptcp: pulumi.Input<"native" | "mptcpize">;
    /** Anything whose change must re-run the test: iperf3 builds, endpoint sets. */
    dependencies: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
    /** Change it to re-run the test on the next `up`. */
    runToken: pulumi.Input<string>;
    /** Runs of the whole sequence per test; default 1. Above 1 the outputs add `runs` and `spread`. */
    repeat?: pulumi.Input<number>;
    /** Folder on this machine for the raw results of each run. */
    resultsRoot: pulumi.Input<string>;
}

class FailoverTestRun extends DynamicResource {
    declare readonly runId: pulumi.Output<string>;
    declare readonly resultsDir: pulumi.Output<string>;
    declare readonly mptcpRun: pulumi.Output<FailoverRun>;
    declare readonly controlRun: pulumi.Output<FailoverRun | undefined>;
    declare readonly runs: pulumi.Output<FailoverRepetition[] | undefined>;
    declare readonly spread: pulumi.Output<FailoverTestOutputs["spread"]>;
    constructor(name: string, props: DynamicInputs<FailoverTestInputs>, opts: pulumi.CustomResourceOptions) {
        const outputs = { runId: undefined, resultsDir: undefined, mptcpRun: undefined, controlRun: undefined, runs: undefined, spread: undefined };
        super(failoverTestProvider, name, { ...props, ...outputs }, { ...opts, additionalSecretOutputs: ["client", "server"] }, "mptcp-lab", "FailoverTestRun");
    }
}

/**
 * The final act of the lab: an MPTCP iperf3 run during which an interface goes down and comes
 * back, and a plain-TCP control. Runs when created and whenever what it depends on changes.
 */
export class FailoverTest extends pulumi.ComponentResource {
    readonly runId: pulumi.Output<string>;
    readonly resultsDir: pulumi.Output<string>;
    readonly mptcpRun: pulumi.Output<FailoverRun>;
    readonly controlRun: pulumi.Output<FailoverRun | undefined>;
    /** Every run when the test ran more than once. */
    readonly runs: pulumi.Output<FailoverRepetition[] | undefined>;
    /** The median, p95, min and max of each figure over the runs, when there were several. */
    readonly spread: pulumi.Output<FailoverTestOutputs["spread"]>;

    constructor(name: string, args: FailoverTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mptcp-lab:lab:FailoverTest", name, {}, opts);
        const host = (pi: RaspberryPi) => ({ name: pi.hostName, connection: pi.connection });
        const run = new FailoverTestRun(
            `${name}-run`,
            {
                client: host(args.client),
                server: host(args.server),
                serverAddress: args.serverAddress,
                failingHost: args.failingHost,
                failingInterface: args.failingInterface,
                failingAddress: args.failingAddress,
                durationSeconds: args.durationSeconds,
                intervalSeconds: args.intervalSeconds,
                downAtSeconds: args.downAtSeconds,
                upAtSeconds: args.upAtSeconds,
                failback: args.failback ?? LAB_DEFAULTS.failback,
                direction: args.direction,
                control: args.control,
                mptcp: args.mptcp,
                dependencies: args.dependencies,
                runToken: args.runToken,
                repeat: args.repeat ?? LAB_DEFAULTS.repeat,
                runnerVersion: RUNNER_VERSION,
                resultsRoot: args.resultsRoot,
                providerVersion: failoverTestProviderVersion,
            },
            { parent: this },
        );
        this.runId = run.runId;
        this.resultsDir = run.resultsDir;
        this.mptcpRun = run.mptcpRun;
        this.controlRun = run.controlRun;
        this.runs = run.runs;
        this.spread = run.spread;
        this.registerOutputs({ runId: this.runId, resultsDir: this.resultsDir, mptcpRun: this.mptcpRun, controlRun: this.controlRun, runs: this.runs, spread: this.spread });
    }
}
