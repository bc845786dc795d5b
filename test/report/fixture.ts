// A recorded `failover` stack output (the emulated stack, Debian's iperf3 3.18 under mptcpize)
// and reports built from it, for the report's tests.
import * as fs from "fs";
import * as path from "path";
import type { FailoverOutput, StackResult } from "../../report";

export const FIXTURE = path.join(__dirname, "..", "fixtures", "report", "failover-emulated.json");

export function recordedFailover(): FailoverOutput {
    return JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as FailoverOutput;
}

/** A classroom of three benches: two with the recorded result, the second one's MPTCP run failed,
 *  and one bench without any result. */
export function classroomResults(): StackResult[] {
    const failed = recordedFailover();
    failed.mptcp.summary = { ...failed.mptcp.summary, survived: false, mptcpVerified: false, subflowsJoined: 0, recoveryToSurvivingSeconds: null };
    return [
        { stack: "t-class-1", failover: recordedFailover() },
        { stack: "t-class-2", failover: failed },
        { stack: "t-class-3", missing: "no failover result yet (run `mptcp-lab up`)" },
    ];
}
