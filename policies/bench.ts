// The emulated bench: advice on a shared bottleneck, which is legal but changes what a test shows.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes, known, resourceTypes, violation, type BenchInstanceProps } from "./resources";

export const benchSharedBottleneck: ResourceValidationPolicy = {
    name: "bench-shared-bottleneck",
    description: "An emulated bench normally shapes each interface's path on its own; a shared bottleneck replaces those rates with one link that every subflow competes for.",
    enforcementLevel: "advisory",
    validateResource: forTypes([resourceTypes.benchInstance], (args, reportViolation) => {
        const plan = known(() => {
            const { name, shaping, sharedBottleneckMbit } = (args.props as BenchInstanceProps).plan;
            return { name, sharedBottleneckMbit, rates: Object.entries(shaping).map(([device, spec]) => `${device} ${spec.rateMbit}`) };
        });
        if (plan?.sharedBottleneckMbit === undefined) return;
        reportViolation(
            violation({
                found: `bench ${plan.name} has sharedBottleneckMbit ${plan.sharedBottleneckMbit}, which replaces the per-interface rates (${plan.rates.join(", ") || "none"} Mbit/s)`,
                expected: "no sharedBottleneckMbit, so that each path has a capacity of its own",
                fix: "Keep the shared bottleneck for experiments on how subflows share one link: MPTCP cannot add bandwidth there, and a failover shows as a change of path, not of rate. Leave sharedBottleneckMbit out to shape each interface's path on its own.",
            }),
        );
    }),
};

export const benchPolicies = [benchSharedBottleneck];
