// iperf3 at a pinned release: a source build checks out a release tag, and a test that runs
// `iperf3 --mptcp` uses a release that has it.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { hintFor, showValue } from "../lab/errors";
import { FIRST_NATIVE_MPTCP_RELEASE, formatRelease, hasNativeMptcp, iperf3ReleaseOf } from "../lab/rules";
import { forTypes, known, resourceTypes, resourcesOfType, violation, type FailoverTestRunProps, type Iperf3Props } from "./resources";

/** The source tag of an install, when it builds from source and the tag is known. */
function sourceTag(props: Iperf3Props): string | undefined {
    return known(() => props.from) === "source" ? known(() => props.tag) : undefined;
}

export const iperf3PinnedToTag: ResourceValidationPolicy = {
    name: "iperf3-pinned-to-tag",
    description: "iperf3 built from source checks out a release tag, never a branch, so that every build of a lab is the same code.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([resourceTypes.iperf3], (args, reportViolation) => {
        const props = args.props as Iperf3Props;
        const tag = sourceTag(props);
        if (tag === undefined || iperf3ReleaseOf(tag)) return;
        reportViolation(
            violation({
                found: `iperf3 on ${known(() => props.hostName)} is built from ${showValue(tag)}, which is not a release tag`,
                expected: "a release tag such as 3.21",
                fix: hintFor("iperf3-branch-not-tag"),
            }),
        );
    }),
};

export const iperf3TagSupportsNativeMptcp: StackValidationPolicy = {
    name: "iperf3-tag-supports-native-mptcp",
    description: `When the failover test runs \`iperf3 --mptcp\` (mptcp: native), iperf3 built from source is ${formatRelease(FIRST_NATIVE_MPTCP_RELEASE)} or later.`,
    enforcementLevel: "mandatory",
    // A stack policy: the mode is an input of the failover test, the tag one of each install.
    validateStack: (args, reportViolation) => {
        const runsNative = resourcesOfType(args.resources, resourceTypes.failoverTestRun).some((run) => known(() => (run.props as FailoverTestRunProps).mptcp) === "native");
        if (!runsNative) return;
        for (const install of resourcesOfType(args.resources, resourceTypes.iperf3)) {
            const props = install.props as Iperf3Props;
            const tag = sourceTag(props);
            const release = tag === undefined ? undefined : iperf3ReleaseOf(tag);
            // A branch is iperf3-pinned-to-tag's to report.
            if (release === undefined || hasNativeMptcp(release)) continue;
            reportViolation(
                violation({
                    found: `iperf3 on ${known(() => props.hostName)} is built from ${showValue(tag)}, which predates --mptcp, and the failover test runs with mptcp: native`,
                    expected: `${formatRelease(FIRST_NATIVE_MPTCP_RELEASE)} or later`,
                    fix: hintFor("iperf3-tag-too-old"),
                }),
                install.urn,
            );
        }
    },
};

export const iperf3Policies = [iperf3PinnedToTag, iperf3TagSupportsNativeMptcp];
