// The lab model's public API: load, validate and format, and the rules the policy pack shares.
// Plain TypeScript, no Pulumi.
export { formatProblem, hintFor, LabError, PROBLEM_CODES, showValue } from "./errors";
export type { LabProblem, ProblemCode, Severity } from "./errors";
export { DEFAULT_STACK_KEY, MAX_LAB_FILE_BYTES } from "./load";
export { loadLabFile, loadLabFromStackFile, validateLabBytes, validateLabText } from "./pipeline";
export type { LabValidation, LoadedLab, ValidateOptions } from "./pipeline";
export {
    endpointFlagFor,
    extraAddressesWith,
    FIRST_NATIVE_MPTCP_RELEASE,
    flagsFollowRole,
    formatRelease,
    hasNativeMptcp,
    iperf3ReleaseOf,
    isPinnedHostKey,
    KERNEL_MAX_SUBFLOWS,
    limitsNeeded,
} from "./rules";
export type { EndpointAddress, Iperf3Release } from "./rules";
export type * from "./types";
