import test from "ava";
import { mptcpLabPolicies } from "../../policies/catalogue";

test("every policy has a unique kebab-case name and the agreed enforcement level", (t) => {
    const levels = Object.fromEntries(mptcpLabPolicies.map((policy) => [policy.name, policy.enforcementLevel]));
    t.is(Object.keys(levels).length, mptcpLabPolicies.length, "names are unique");
    for (const name of Object.keys(levels)) t.regex(name, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    t.deepEqual(levels, {
        "iperf3-pinned-to-tag": "mandatory",
        "iperf3-tag-supports-native-mptcp": "mandatory",
        "endpoint-roles-follow-protocol": "advisory",
        "limits-cover-endpoints": "mandatory",
        "host-keys-pinned": "mandatory",
        "private-keys-are-secrets": "mandatory",
        "failover-restores-link": "mandatory",
        "failover-on-primary-path": "advisory",
        "failover-spares-management-path": "advisory",
        "bench-shared-bottleneck": "advisory",
    });
});
