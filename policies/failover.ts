// The failover test: the link comes back within the test, and advice on failing a path that the
// test or the controller still needs.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { hintFor } from "../lab/errors";
import { linkTimingProblems } from "../lab/rules";
import { primaryAddresses } from "./primary-addresses";
import { forTypes, known, resourceTypes, resourcesOfType, violation, type FailoverTestRunProps } from "./resources";

export const failoverRestoresLink: ResourceValidationPolicy = {
    name: "failover-restores-link",
    description: "The failover test brings its link back: upAtSeconds is absent (restored at the end) or after downAtSeconds and within the test.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([resourceTypes.failoverTestRun], (args, reportViolation) => {
        const props = args.props as FailoverTestRunProps;
        if (!("upAtSeconds" in props)) return;
        const up = known(() => props.upAtSeconds);
        const down = known(() => props.downAtSeconds);
        const duration = known(() => props.durationSeconds);
        if (typeof up !== "number" || typeof down !== "number" || typeof duration !== "number") return;
        const link = `${known(() => props.failingInterface)} on the ${known(() => props.failingHost)}`;
        // A link that goes down outside the run is the provider's to refuse; this policy is about its return.
        const problems = linkTimingProblems({ downAtSeconds: down, upAtSeconds: up, durationSeconds: duration });
        if (problems.includes("failover-up-before-down")) {
            reportViolation(
                violation({ found: `${link} comes back at upAtSeconds ${up}, not after it goes down at ${down} s`, expected: `more than ${down}, at most ${duration}`, fix: hintFor("failover-up-before-down") }),
            );
        } else if (problems.includes("failover-up-after-end")) {
            reportViolation(
                violation({ found: `${link} comes back at upAtSeconds ${up}, after the ${duration} s test has ended`, expected: `more than ${down}, at most ${duration}`, fix: hintFor("failover-up-after-end") }),
            );
        }
    }),
};

export const failoverOnPrimaryPath: StackValidationPolicy = {
    name: "failover-on-primary-path",
    description: "The failing interface is not the host's primary one, which carries iperf3's plain-TCP control connection unless iperf3 runs under mptcpize.",
    enforcementLevel: "advisory",
    // A stack policy: an emulated bench's plan tells which interface of a host comes first.
    validateStack: (args, reportViolation) => {
        const primaries = primaryAddresses(args.resources);
        for (const run of resourcesOfType(args.resources, resourceTypes.failoverTestRun)) {
            const props = run.props as FailoverTestRunProps;
            const role = known(() => props.failingHost);
            const host = role === undefined ? undefined : known(() => props[role].name);
            const failingAddress = known(() => props.failingAddress);
            // Unknown before iperf3 is installed (mptcp: auto), and then possibly native.
            const mode = known(() => props.mptcp);
            if (host === undefined || mode === "mptcpize" || failingAddress === undefined || primaries.get(host) !== failingAddress) continue;
            reportViolation(
                violation({
                    found: `failingInterface ${known(() => props.failingInterface)} (${failingAddress}) is the primary path of ${host}, which carries iperf3's plain-TCP control connection (mptcp: ${mode ?? "decided at install"})`,
                    expected: "a secondary interface, or iperf3 under mptcpize",
                    fix: hintFor("failover-primary-path"),
                }),
                run.urn,
            );
        }
    },
};

export const failoverSparesManagementPath: ResourceValidationPolicy = {
    name: "failover-spares-management-path",
    description: "The failing interface is not the one the controller reaches the host by; the test restores the link on the host itself, but the controller loses its way in meanwhile.",
    enforcementLevel: "advisory",
    validateResource: forTypes([resourceTypes.failoverTestRun], (args, reportViolation) => {
        const props = args.props as FailoverTestRunProps;
        const role = known(() => props.failingHost);
        if (role === undefined) return;
        const managementAddress = known(() => props[role].connection.address);
        const failingAddress = known(() => props.failingAddress);
        if (managementAddress === undefined || managementAddress !== failingAddress) return;
        reportViolation(
            violation({
                found: `the controller reaches ${known(() => props[role].name)} at ${managementAddress}, the address of the failing ${known(() => props.failingInterface)}`,
                expected: `a failing interface other than the one holding ${managementAddress}`,
                fix: hintFor("failover-management-path"),
            }),
        );
    }),
};

export const failoverPolicies = [failoverRestoresLink, failoverOnPrimaryPath, failoverSparesManagementPath];
