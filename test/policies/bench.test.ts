import test from "ava";
import { benchSharedBottleneck } from "../../policies/bench";
import { benchInstance } from "./helpers/lab-resources";
import { resourceViolations, unknown } from "./helpers/policy-args";

const bottleneck = test.macro({
    async exec(t, planChanges: Record<string, unknown>, reported: string | undefined) {
        const violations = await resourceViolations(benchSharedBottleneck, benchInstance(planChanges));
        if (reported === undefined) {
            t.deepEqual(violations, []);
            return;
        }
        t.is(violations.length, 1);
        t.true(violations[0].startsWith(reported), violations[0]);
        t.true(violations[0].includes(". Fix: "), violations[0]);
    },
    title: (title = "") => `bench-shared-bottleneck: ${title}`,
});

test("per-interface paths pass", bottleneck, {}, undefined);
test("a shared bottleneck is reported with the rates it replaces", bottleneck, { sharedBottleneckMbit: 50 }, "bench emulated has sharedBottleneckMbit 50, which replaces the per-interface rates (eth0 200, wlan0 100 Mbit/s)");
test("a plan a preview does not know yet is left to up", bottleneck, { sharedBottleneckMbit: 50, shaping: unknown }, undefined);
