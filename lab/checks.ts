// The semantic checks, in the order their problems are reported. Each is a named function of the
// defaults-filled lab and a locator, returning every problem it finds.
import { checkFailback, checkFailoverTarget, checkFailoverTimings } from "./checks-failover";
import { checkConnections, checkEndpoints, checkInterfaceAddresses, checkLimits, checkRoleCount, checkUniqueAddresses } from "./checks-hosts";
import { checkBenchNetworks, checkIperf3Pin } from "./checks-iperf3-bench";
import type { LabProblem } from "./errors";
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

export function runChecks(lab: LabSpec, locate: Locate): LabProblem[] {
    return LAB_CHECKS.flatMap((check) => check(lab, locate));
}
