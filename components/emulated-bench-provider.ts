// Dynamic provider for an emulated bench: `create` and `update` bring it up (idempotent, repairs
// a half-broken bench), `read` reports whether it is still running, `delete` tears it down.
import * as fs from "fs";
import type * as pulumi from "@pulumi/pulumi";
import { codedOperations } from "./provider-shim";
import { VALUE_RULES } from "../lab/value-rules";
import { benchDown, benchStatus, benchUp } from "../bench";
import type { BenchPlan, BenchStatus } from "../bench";

export interface BenchHostConnection {
    name: string;
    address: string;
    port: number;
    user: string;
    hostKey: string;
}

export interface EmulatedBenchInputs {
    plan: BenchPlan;
    providerVersion: string;
}

export interface EmulatedBenchOutputs extends EmulatedBenchInputs {
    state: BenchStatus["state"];
    hosts: BenchHostConnection[];
    /** The bench's private key; a secret output. */
    privateKey: string;
    aptProxyUrl: string;
    gitBaseUrl: string;
    /** Problems `read` found, e.g. `client: sshd is not running`. */
    problems: string[];
}

async function describe(inputs: EmulatedBenchInputs, status: BenchStatus): Promise<EmulatedBenchOutputs> {
    return {
        ...inputs,
        state: status.state,
        hosts: status.hosts.map((host) => ({ name: host.name, address: host.managementAddress, port: host.sshPort, user: host.user, hostKey: host.hostKey })),
        privateKey: fs.existsSync(status.privateKeyPath) ? fs.readFileSync(status.privateKeyPath, "utf8") : "",
        aptProxyUrl: status.aptProxyUrl,
        gitBaseUrl: status.gitBaseUrl,
        problems: status.hosts.flatMap((host) => host.problems.map((problem) => `${host.name}: ${problem}`)),
    };
}

// The engine loads this through a shim; its version, bumped when its behaviour changes, is in ./providers.ts.
export const operations: pulumi.dynamic.ResourceProvider = codedOperations({
    async check(_olds: EmulatedBenchInputs, news: EmulatedBenchInputs) {
        const rule = VALUE_RULES.benchName;
        const failures = rule.pattern.test(news.plan.name) ? [] : [{ property: "plan.name", reason: `${JSON.stringify(news.plan.name)} is not a bench name (${rule.description})` }];
        return { inputs: news, failures };
    },
    async diff(_id: string, olds: EmulatedBenchOutputs, news: EmulatedBenchInputs) {
        // A running bench refuses a changed plan (BENCH_PLAN_CHANGED): rebuild it instead. Its
        // name stays, so the old one must go first.
        const replanned = JSON.stringify(olds.plan) !== JSON.stringify(news.plan);
        return {
            changes: replanned || olds.state !== "running" || olds.providerVersion !== news.providerVersion,
            replaces: replanned ? ["plan"] : [],
            deleteBeforeReplace: replanned,
        };
    },
    async create(inputs: EmulatedBenchInputs) {
        return { id: `bench/${inputs.plan.name}`, outs: await describe(inputs, await benchUp(inputs.plan)) };
    },
    async update(_id: string, _olds: EmulatedBenchOutputs, news: EmulatedBenchInputs) {
        return { outs: await describe(news, await benchUp(news.plan)) };
    },
    async read(id: string, props: EmulatedBenchOutputs) {
        return { id, props: await describe(props, await benchStatus(props.plan.name)) };
    },
    async delete(_id: string, props: EmulatedBenchOutputs) {
        await benchDown(props.plan.name);
    },
});
