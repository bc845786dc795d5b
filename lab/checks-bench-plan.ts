// The emulated bench's own rules, checked by `validate`: whatever bench/plan.ts would refuse at
// `up` (BENCH_PLAN_INVALID) is reported here, from the same function, located in the lab.
import { benchPlanFromLab, findPlanProblems } from "../bench/plan";
import type { BenchErrorCode, BenchProblem } from "../bench/errors";
import { labProblem, type LabProblem, type ProblemCode } from "./errors";
import type { Locate } from "./locate";
import type { LabPath } from "./source-map";
import type { LabSpec } from "./types";

/** The lab's code for each code the bench plan check gives. */
export const BENCH_PROBLEM_CODES: Partial<Record<BenchErrorCode, ProblemCode>> = {
    BENCH_NAME_INVALID: "bench-name",
    BENCH_SUITE_INVALID: "bench-suite",
    BENCH_SUBNET_INVALID: "bench-subnet",
    BENCH_HOSTS_INVALID: "bench-hosts",
    BENCH_HOST_NAME_INVALID: "bench-host-name",
    BENCH_INTERFACE_INVALID: "bench-interface",
    BENCH_ADDRESS_INVALID: "bench-address",
    BENCH_SHAPING_INVALID: "bench-shaping",
    BENCH_BOTTLENECK_INVALID: "bench-bottleneck",
    BENCH_NETWORK_MANAGER_INVALID: "bench-network-manager",
};

export function checkBenchPlan(lab: LabSpec, locate: Locate): LabProblem[] {
    const plan = benchPlanFromLab(lab);
    if (!plan) return [];
    return findPlanProblems(plan).map((problem) => {
        const { path, part } = labPathOf(problem, lab);
        const code = BENCH_PROBLEM_CODES[problem.code] ?? "bench-hosts";
        const what = typeof problem.value === "string" ? problem.value : JSON.stringify(problem.value);
        return labProblem(code, locate(path, part), { message: `the emulated bench refuses ${what ?? "this"}`, value: problem.value, expected: problem.expected });
    });
}

/** `hosts[1].interfaces[0].cidr` (the plan's path) as the lab's path to the same field. */
function labPathOf(problem: BenchProblem, lab: LabSpec): { path: LabPath; part: "key" | "value" } {
    const hostMatch = /^hosts\[(\d+)\](?:\.interfaces(?:\[(\d+)\]\.(name|cidr))?|\.(name))?$/.exec(problem.path);
    if (hostMatch) {
        const host = lab.hosts[Number(hostMatch[1])];
        if (!host) return { path: ["hosts"], part: "key" };
        if (hostMatch[4] === "name") return { path: ["hosts", host.name], part: "key" };
        if (hostMatch[2] === undefined) return { path: ["hosts", host.name, "interfaces"], part: "key" };
        const entry = host.interfaces[Number(hostMatch[2])];
        const path: LabPath = entry ? ["hosts", host.name, "interfaces", entry.name] : ["hosts", host.name, "interfaces"];
        return { path, part: hostMatch[3] === "name" ? "key" : "value" };
    }
    if (problem.path === "hosts") return { path: ["hosts"], part: "key" };
    const networkManager = /^networkManager\[(\d+)\]$/.exec(problem.path);
    if (networkManager) return { path: ["bench", "networkManager", Number(networkManager[1])], part: "value" };
    const shaping = /^shaping\.(.+)$/.exec(problem.path);
    if (shaping) return { path: ["bench", "shaping", shaping[1]], part: problem.code === "BENCH_INTERFACE_INVALID" ? "key" : "value" };
    return { path: ["bench", problem.path], part: "value" };
}
