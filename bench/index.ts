// Public API of the emulated bench.

export { benchDown, type BenchDownOptions } from "./down";
export { BenchError, type BenchErrorCode, type BenchProblem } from "./errors";
export { offerGitRepository } from "./git";
export { type BenchHostPlan, type BenchPlan, benchPlanFromLab, defaultBenchPlan } from "./plan";
export { checkBenchPrerequisites } from "./prerequisites";
export { benchReboot, type BenchRebootResult } from "./reboot";
export { type BenchHostStatus, type BenchStatus, benchStatus } from "./status";
export { benchUp, type BenchTaskRunner, type BenchUpOptions, type BenchUpTask } from "./up";
