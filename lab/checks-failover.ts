// Semantic checks on the failover test: the failing interface exists, the host survives losing it,
// the controller keeps its way in, and the timings fit in one iperf3 run.
import { labProblem, showValue, type LabProblem } from "./errors";
import type { Locate } from "./locate";
import { endpointFlagFor, linkTimingProblems, SHORTEST_INTERVAL_SECONDS } from "./rules";
import type { HostSpec, InterfaceSpec, LabSpec } from "./types";

/** iperf3 -i refuses anything shorter. */

export function checkFailoverTarget(lab: LabSpec, locate: Locate): LabProblem[] {
    const { host: hostName, interface: interfaceName } = lab.failover;
    const host = lab.hosts.find((candidate) => candidate.name === hostName);
    if (!host) {
        const names = lab.hosts.map((candidate) => candidate.name).join(", ");
        return [labProblem("unknown-host", locate(["failover", "host"]), { message: `there is no host ${showValue(hostName)}`, value: hostName, expected: `one of ${names}` })];
    }
    const failing = host.interfaces.find((entry) => entry.name === interfaceName);
    if (!failing) {
        const names = host.interfaces.map((entry) => entry.name).join(", ");
        return [labProblem("unknown-interface", locate(["failover", "interface"]), { message: `host ${host.name} has no interface ${showValue(interfaceName)}`, value: interfaceName, expected: `one of ${names}` })];
    }
    return [...onlyPathProblems(lab, host, failing, locate), ...managementPathProblems(lab, host, failing, locate), ...primaryPathProblems(lab, host, failing, locate)];
}

/** An interface carries an MPTCP path when it is the primary one or holds an endpoint of the host's role. */
function carriesPath(host: HostSpec, entry: InterfaceSpec): boolean {
    const flag = endpointFlagFor(host.role);
    return entry === host.interfaces[0] || host.endpoints.some((endpoint) => endpoint.device === entry.name && endpoint.flags.includes(flag));
}

function onlyPathProblems(lab: LabSpec, host: HostSpec, failing: InterfaceSpec, locate: Locate): LabProblem[] {
    if (lab.failover.allowOnlyPath) return [];
    const survivors = host.interfaces.filter((entry) => entry !== failing && carriesPath(host, entry));
    if (survivors.length > 0) return [];
    const others = host.interfaces.filter((entry) => entry !== failing).map((entry) => entry.name);
    const why = others.length === 0 ? `it is the only interface of ${host.name}` : `no other interface carries one (no ${endpointFlagFor(host.role)} endpoint on ${others.join(", ")})`;
    return [
        labProblem("failover-only-path", locate(["failover", "interface"]), {
            message: `failing ${failing.name} leaves ${host.name} without an MPTCP path: ${why}`,
            value: failing.name,
            expected: `an interface of ${host.name} that another MPTCP path survives`,
        }),
    ];
}

function managementPathProblems(lab: LabSpec, host: HostSpec, failing: InterfaceSpec, locate: Locate): LabProblem[] {
    if (lab.failover.allowManagementPath || host.connection?.address !== failing.address) return [];
    return [
        labProblem("failover-management-path", locate(["failover", "interface"]), {
            message: `the controller reaches ${host.name} at ${failing.address}, on ${failing.name}`,
            value: failing.name,
            expected: `an interface other than the one holding ${failing.address}`,
        }),
    ];
}

/**
 * The primary path carries iperf3's control connection, plain TCP under --mptcp: failing it, a
 * native run cannot finish (an error); under `auto` the mode is decided at install (a warning).
 */
function primaryPathProblems(lab: LabSpec, host: HostSpec, failing: InterfaceSpec, locate: Locate): LabProblem[] {
    if (failing !== host.interfaces[0] || lab.iperf3.mptcp === "mptcpize") return [];
    const native = lab.iperf3.mptcp === "native";
    return [
        labProblem(native ? "failover-primary-path-native" : "failover-primary-path", locate(["failover", "interface"]), {
            message: `${failing.name} is the primary path of ${host.name}, which carries iperf3's plain-TCP control connection` +
                (native ? ": with --mptcp the data survives but iperf3 cannot finish" : ""),
            value: failing.name,
            expected: "a secondary interface, or iperf3.mptcp: mptcpize",
        }),
    ];
}

/** Failback needs time after the link returns, and an endpoint on the interface to re-announce. */
export function checkFailback(lab: LabSpec, locate: Locate): LabProblem[] {
    const { failback, upAtSeconds, durationSeconds, host: hostName, interface: interfaceName } = lab.failover;
    if (failback !== "reannounce") return [];
    const problems: LabProblem[] = [];
    if (upAtSeconds === undefined || upAtSeconds > durationSeconds - 1) {
        problems.push(labProblem("failover-failback-no-time", locate(["failover", upAtSeconds === undefined ? "failback" : "upAtSeconds"]), {
            message: upAtSeconds === undefined ? "the link comes back only at the end of the run, leaving no time to see a failback" : `${upAtSeconds} s leaves less than a second of the ${durationSeconds} s run after the link returns`,
            value: upAtSeconds ?? null,
            expected: `upAtSeconds at most ${durationSeconds - 1}`,
        }));
    }
    const host = lab.hosts.find((candidate) => candidate.name === hostName);
    if (host && host.interfaces.some((entry) => entry.name === interfaceName) && !host.endpoints.some((endpoint) => endpoint.device === interfaceName)) {
        problems.push(labProblem("failover-failback-no-endpoint", locate(["failover", "failback"]), {
            message: `${host.name} has no MPTCP endpoint on ${interfaceName} to re-announce`,
            value: failback,
            expected: `an endpoint with device ${interfaceName}, or failback: stay`,
        }));
    }
    return problems;
}

export function checkFailoverTimings(lab: LabSpec, locate: Locate): LabProblem[] {
    const { durationSeconds, intervalSeconds, downAtSeconds, upAtSeconds } = lab.failover;
    const problems: LabProblem[] = [];
    const at = (field: string) => locate(["failover", field]);
    if (!Number.isInteger(durationSeconds)) {
        problems.push(labProblem("failover-duration-fractional", at("durationSeconds"), { message: `${durationSeconds} s is not a whole number of seconds`, value: durationSeconds, expected: "a whole number of seconds" }));
    }
    if (intervalSeconds < SHORTEST_INTERVAL_SECONDS) {
        problems.push(labProblem("failover-interval-too-short", at("intervalSeconds"), { message: `${intervalSeconds} s is shorter than iperf3 reports`, value: intervalSeconds, expected: `at least ${SHORTEST_INTERVAL_SECONDS}` }));
    }
    for (const problem of linkTimingProblems({ downAtSeconds, upAtSeconds, durationSeconds })) {
        if (problem === "failover-down-outside-run") {
            problems.push(labProblem(problem, at("downAtSeconds"), { message: `${downAtSeconds} s is not before the end of the ${durationSeconds} s run`, value: downAtSeconds, expected: `more than 0 and less than ${durationSeconds}` }));
        } else if (problem === "failover-up-before-down") {
            problems.push(labProblem(problem, at("upAtSeconds"), { message: `${upAtSeconds} s is not after the link goes down at ${downAtSeconds} s`, value: upAtSeconds, expected: `more than ${downAtSeconds}` }));
        } else {
            problems.push(labProblem(problem, at("upAtSeconds"), { message: `${upAtSeconds} s is after the end of the ${durationSeconds} s run`, value: upAtSeconds, expected: `at most ${durationSeconds}` }));
        }
    }
    return problems;
}
