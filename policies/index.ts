// The mptcp-lab policy pack: `pulumi preview --policy-pack policies`. The policies are in
// catalogue.ts and the files it assembles.
import { PolicyPack } from "@pulumi/policy";
import { mptcpLabPolicies } from "./catalogue";

new PolicyPack("mptcp-lab", { policies: mptcpLabPolicies });
