// Public API of the failover test: the on-host runner's calling convention and the analysis.
export type {
    FailoverMode,
    FailoverRun,
    FailoverRunFiles,
    FailoverSchedule,
    FailoverSummary,
    IntervalSample,
    MonitorEvent,
    MonitorEventType,
} from "./types";
export { analyseRun } from "./analysis";
export { describeFailure, judgeRestore, WATCHDOG_GRACE_SECONDS } from "./restore";
export type { RestoreVerdict } from "./restore";
export { maxListingBytes, parseResultListing, RESULT_FILE_LIMITS, ResultDownloadError, saveResultFiles } from "./run-files";
export type { ResultFileLimits, ResultFileRefusal } from "./run-files";
export { figureSpread, repeatFromEnvironment, REPEAT_ENVIRONMENT_VARIABLE, SPREAD_FIGURES, spreadOf } from "./aggregate";
export type { FailoverSpread, FigureSpread, SpreadFigure } from "./aggregate";
export { formatRunTable } from "./table";
export { formatSpreadTable, SPREAD_LABELS } from "./spread-table";
export {
    clientArguments,
    FailoverArgumentError,
    flipArguments,
    restoreArguments,
    resultFileNames,
    runnerCode,
    runnerCodeHash,
    runnerScriptPath,
    RUNNER_VERSION,
    serveArguments,
    serveStopArguments,
} from "./runner";
export type { ClientOptions, FlipOptions, LinkFailure, ServeOptions } from "./runner";
export { acquireMachineLock, DEFAULT_LOCK_TIMEOUT_SECONDS, FAILOVER_LOCK_PATH, lockHolder, lockTimeoutSeconds, MachineLockError, withMachineLock } from "./machine-lock";
export type { MachineLock, MachineLockOptions } from "./machine-lock";
