// Before a new bench is created: no other bench, and nothing in the root namespace's routing
// table, may use its subnets or its derived names.

import { overlaps, parseCidr } from "./addresses";
import type { BenchProblem } from "./errors";
import { ipJson } from "./exec";
import type { BenchPlan } from "./plan";
import { type BenchObjectNames, listRuntimeStates } from "./state";

export interface RouteEntry {
    readonly dst: string;
    readonly dev?: string;
    readonly type?: string;
}

export interface OtherBench {
    readonly plan: BenchPlan;
    readonly names: BenchObjectNames;
}

/** Pure: what the new bench would share with other benches or with existing routes. */
export function findConflicts(plan: BenchPlan, names: BenchObjectNames, others: readonly OtherBench[], routes: readonly RouteEntry[]): BenchProblem[] {
    const problems: BenchProblem[] = [];
    const subnets = [plan.subnet, plan.managementSubnet].map((text) => parseCidr(text)).filter((cidr) => cidr !== undefined);
    for (const other of others) {
        if (other.plan.name === plan.name) continue;
        if (other.names.hash === names.hash) {
            problems.push({ code: "BENCH_CONFLICT", path: "name", value: plan.name, expected: `a name whose hash differs from bench ${other.plan.name}'s` });
        }
        const otherSubnets = [other.plan.subnet, other.plan.managementSubnet].map((text) => parseCidr(text)).filter((cidr) => cidr !== undefined);
        if (subnets.some((mine) => otherSubnets.some((theirs) => overlaps(mine, theirs)))) {
            problems.push({ code: "BENCH_CONFLICT", path: "subnet", value: [plan.subnet, plan.managementSubnet], expected: `subnets apart from bench ${other.plan.name}'s` });
        }
    }
    for (const route of routes) {
        const destination = route.dst === "default" ? undefined : parseCidr(route.dst.includes("/") ? route.dst : `${route.dst}/32`);
        if (!destination || !subnets.some((mine) => overlaps(mine, destination))) continue;
        const ours = route.dev === names.managementBridge || (route.type === "unreachable" && route.dst === plan.subnet);
        if (!ours) {
            problems.push({ code: "BENCH_CONFLICT", path: "root routes", value: `${route.dst} ${route.dev ?? route.type ?? ""}`.trim(), expected: "no route of the root namespace into the bench's subnets" });
        }
    }
    return problems;
}

export async function gatherConflicts(plan: BenchPlan, names: BenchObjectNames): Promise<BenchProblem[]> {
    const routes = await ipJson<RouteEntry>(undefined, ["route", "show"]);
    return findConflicts(plan, names, listRuntimeStates(), routes);
}
