// The semantic checks, in the order their problems are reported. Each is a named function of the
// defaults-filled lab and a locator, returning every problem it finds.
import { checkBenchPlan } from "./checks-bench-plan";
import { checkFailback, checkFailoverTarget, checkFailoverTimings } from "./checks-failover";
import { checkConnections, checkEndpoints, checkInterfaceAddresses, checkLimits, checkRoleCount, checkUniqueAddresses } from "./checks-hosts";
import { checkBenchNetworks, checkIperf3Pin } from "./checks-iperf3-bench";
import { isError, type LabProblem } from "./errors";
import type { Locate } from "./locate";
import type { LabSpec } from "./types";

export type LabCheck = (lab: LabSpec, locate: Locate) => LabProblem[];

export const LAB_CHECKS: readonly LabCheck[] = [
    checkRoleCount,
    checkConnections,
    checkUniqueAddresses,
    checkInterfaceAddresses,
    checkBenchNetworks,
    checkEndpoints,
    checkLimits,
    checkFailoverTarget,
    checkFailoverTimings,
    checkFailback,
    checkIperf3Pin,
];

/** The lab's checks, then the emulated bench's own (bench/plan.ts) for the fields about which the
 *  lab's checks found nothing: one rule's failure is reported once, in the lab's words. */
export function runChecks(lab: LabSpec, locate: Locate): LabProblem[] {
    const problems = LAB_CHECKS.flatMap((check) => check(lab, locate));
    const reported = new Set(problems.filter(isError).map((problem) => problem.path));
    return [...problems, ...checkBenchPlan(lab, locate).filter((problem) => !reported.has(problem.path))];
}
