// Every policy of the pack, in the order the pack reports them. Kept apart from index.ts, which
// starts the pack's server when it is loaded.
import type { Policies } from "@pulumi/policy";
import { benchPolicies } from "./bench";
import { connectionPolicies } from "./connections";
import { endpointPolicies } from "./endpoints";
import { failoverPolicies } from "./failover";
import { iperf3Policies } from "./iperf3";

export const mptcpLabPolicies: Policies = [...iperf3Policies, ...endpointPolicies, ...connectionPolicies, ...failoverPolicies, ...benchPolicies];
