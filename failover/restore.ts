// What to tell the user when the controller could not restore the failing link itself. The host
// does not depend on the controller for it: the runner brings the link back on schedule, at the
// end of the test, on a signal, and the host's systemd (the runner's guard unit, whose timer is the
// watchdog) brings it back a few seconds after the scheduled time whatever happens to the runner.
// Its link-events file records who did it.
import { parseLinkEvents } from "./run-files";

/** The runner's guard unit (its watchdog) fires this long after the link was due back (run-failover.sh). */
export const WATCHDOG_GRACE_SECONDS = 5;

export type RestoreVerdict =
    | { readonly level: "ok" }
    | { readonly level: "warning" | "error"; readonly message: string };

/**
 * Judges a failed restore from the controller (`failure`, undefined when it worked) by what the
 * host recorded (`linkEventsText`, undefined when it could not be read): a warning when the link is
 * known to be up again, an error when nothing says so.
 */
export function judgeRestore(host: string, interfaceName: string, failure: string | undefined, linkEventsText: string | undefined): RestoreVerdict {
    if (failure === undefined) return { level: "ok" };
    const failed = `${host}: restoring ${interfaceName} from this machine failed (${failure})`;
    if (linkEventsText === undefined) {
        return {
            level: "error",
            message: `${failed}, and its link events could not be read. The host's systemd brings ${interfaceName} up ${WATCHDOG_GRACE_SECONDS} s after it was due back (unit mptcp-lab-link-${interfaceName}, the runner's watchdog); check on the host with \`ip link show ${interfaceName}\`, and bring it up with \`ip link set dev ${interfaceName} up\` if it is still down.`,
        };
    }
    const events = parseLinkEvents(linkEventsText);
    if (events.downEpoch === null) return { level: "warning", message: `${failed}; the host never took it down.` };
    if (events.upEpoch !== null) {
        const by = events.upReason === "watchdog" ? "the host's watchdog" : `the host (${events.upReason ?? "reason not recorded"})`;
        return { level: "warning", message: `${failed}; ${by} brought it back ${(events.upEpoch - events.downEpoch).toFixed(2)} s after it went down.` };
    }
    return {
        level: "error",
        message: `${failed}, and the host has recorded no \`up\` since ${interfaceName} went down. The host's systemd brings it up ${WATCHDOG_GRACE_SECONDS} s after it was due back (unit mptcp-lab-link-${interfaceName}, the runner's watchdog); check on the host with \`ip link show ${interfaceName}\`, and bring it up with \`ip link set dev ${interfaceName} up\` if it is still down.`,
    };
}

/** One line of what went wrong, for a failure of any kind. */
export function describeFailure(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return text.split("\n").filter((line) => line.trim() !== "").slice(-3).join(" / ");
}
