import test from "ava";
import { validateLabText } from "../../lab";
import { sorted } from "./fixtures";

// The seed lab on real Pis; each case edits it (exact, unique substrings) and lists the
// problems it expects as `severity code path`.
const SEED = `name: checks
hosts:
  client:
    role: client
    connection: { address: 172.31.0.133, user: pi, hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeClientKey }
    interfaces:
      eth0: 172.31.0.133/24
      wlan0: 172.31.0.173/24
  server:
    role: server
    connection: { address: 172.31.0.218, user: pi, hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeServerKey }
    interfaces:
      eth0: 172.31.0.218/24
      wlan0: 172.31.0.237/24
iperf3:
  source: { tag: "3.21" }
  mptcp: native
failover:
  host: client
  interface: wlan0
`;

type Edit = readonly [string, string];

function edited(edits: readonly Edit[]): string {
    return edits.reduce((text, [from, to]) => {
        if (text.split(from).length !== 2) throw new Error(`the edit target ${JSON.stringify(from)} is not unique in the lab`);
        return text.replace(from, to);
    }, SEED);
}

const clientEndpoints = (list: string): Edit => ["      wlan0: 172.31.0.173/24\n", `      wlan0: 172.31.0.173/24\n    endpoints: ${list}\n`];
const serverEndpoints = (list: string): Edit => ["      wlan0: 172.31.0.237/24\n", `      wlan0: 172.31.0.237/24\n    endpoints: ${list}\n`];
const failoverExtra = (lines: string): Edit => ["failover:\n", `failover:\n${lines}`];
const failEth0: Edit = ["  interface: wlan0\n", "  interface: eth0\n"];
const tag = (value: string): Edit => ['tag: "3.21"', `tag: ${value}`];
const mptcp = (mode: string): Edit => ["mptcp: native", `mptcp: ${mode}`];

const reports = test.macro({
    exec(t, edits: readonly Edit[], expected: readonly string[]) {
        const result = validateLabText(edited(edits), "checks.yaml");
        t.deepEqual(sorted(result.problems.map((problem) => `${problem.severity} ${problem.code} ${problem.path}`)), sorted(expected));
        t.is(result.spec === undefined, expected.some((entry) => entry.startsWith("error")));
    },
    title: (title) => title ?? "",
});

test("the seed lab with a connection on the host's own eth0 address is clean", reports, [], []);
test("a subflow endpoint on the primary address does not count towards the subflow limit", reports, [clientEndpoints("[{ address: 172.31.0.133, device: eth0, flags: [subflow] }, { address: 172.31.0.173, device: wlan0, flags: [subflow] }]")], []);
test("a third interface needs a third subflow on both sides", reports, [["      wlan0: 172.31.0.173/24\n", "      wlan0: 172.31.0.173/24\n      wlan1: 172.31.0.190/24\n"]], [
    "error limits-too-small hosts.client.limits.subflows",
    "error limits-too-small hosts.server.limits.subflows",
]);
test("a client endpoint that signals instead of opening a subflow draws a warning", reports, [clientEndpoints("[{ address: 172.31.0.173, device: wlan0, flags: [signal] }]")], [
    "warning endpoint-role-flags hosts.client.endpoints[0].flags",
]);
test("a server endpoint that also opens subflows draws a warning", reports, [serverEndpoints("[{ address: 172.31.0.237, device: wlan0, flags: [signal, subflow] }]")], [
    "warning endpoint-role-flags hosts.server.endpoints[0].flags",
]);
test("a backup flag beside the role's flag is fine", reports, [serverEndpoints("[{ address: 172.31.0.237, device: wlan0, flags: [signal, backup] }]")], []);
test("two endpoints with one id are refused", reports, [serverEndpoints("[{ address: 172.31.0.237, device: wlan0, flags: [signal], id: 1 }, { address: 172.31.0.218, device: eth0, flags: [signal], id: 1 }]")], [
    "error duplicate-endpoint hosts.server.endpoints[1].id",
]);
test("failing the primary path under mptcpize raises nothing once the management path is allowed", reports, [failEth0, mptcp("mptcpize"), failoverExtra("  allowManagementPath: true\n")], []);
test("failing the primary path under auto warns about the control connection", reports, [failEth0, mptcp("auto"), failoverExtra("  allowManagementPath: true\n")], [
    "warning failover-primary-path failover.interface",
]);
test("allowOnlyPath accepts failing the host's only MPTCP path", reports, [failEth0, mptcp("mptcpize"), clientEndpoints("[]"), failoverExtra("  allowOnlyPath: true\n  allowManagementPath: true\n")], []);
test("a server with a single interface cannot fail it without the overrides", reports, [
    ["      eth0: 172.31.0.218/24\n      wlan0: 172.31.0.237/24\n", "      eth0: 172.31.0.218/24\n"],
    ["  host: client\n  interface: wlan0\n", "  host: server\n  interface: eth0\n"],
], [
    "error failover-only-path failover.interface",
    "error failover-management-path failover.interface",
    "error failover-primary-path-native failover.interface",
]);
test("failing the server's wlan0 is fine when it announces nothing, since eth0 carries the first subflow", reports, [serverEndpoints("[]"), ["  host: client\n", "  host: server\n"]], []);
test("failback with the link back a second before the end and an endpoint on it raises nothing", reports, [failoverExtra("  upAtSeconds: 7\n  failback: reannounce\n")], []);
test("failback with the link back in the last second has no time to show", reports, [failoverExtra("  upAtSeconds: 9.5\n  failback: reannounce\n")], [
    "error failover-failback-no-time failover.upAtSeconds",
]);
test("3.19 is the first tag that native MPTCP accepts", reports, [tag('"3.19"')], []);
test("a release tag with a patch number is a tag", reports, [tag('"3.19.1"')], []);
test("an old tag is fine when iperf3 runs under mptcpize", reports, [tag('"3.12"'), mptcp("mptcpize")], []);
test("an old tag is fine when the MPTCP mode is auto", reports, [tag('"3.18"'), mptcp("auto")], []);
test("a tag with a v prefix is not a release tag", reports, [tag("v3.21")], ["error iperf3-branch-not-tag iperf3.source.tag"]);
test("main is a branch, not a tag", reports, [tag("main")], ["error iperf3-branch-not-tag iperf3.source.tag"]);
test("the link may come back exactly at the end of the run", reports, [failoverExtra("  durationSeconds: 10\n  upAtSeconds: 10\n")], []);
test("the link may not go down exactly at the end of the run", reports, [failoverExtra("  durationSeconds: 10\n  downAtSeconds: 10\n")], [
    "error failover-down-outside-run failover.downAtSeconds",
]);
test("a default down time after a short run is refused", reports, [failoverExtra("  durationSeconds: 2\n")], ["error failover-down-outside-run failover.downAtSeconds"]);
test("an interval of exactly 0.1 s is accepted", reports, [failoverExtra("  intervalSeconds: 0.1\n")], []);
test("an address on a /31 link is a host address", reports, [["      eth0: 172.31.0.133/24\n", "      eth0: 172.31.0.132/31\n"]], []);
test("the network address of a prefix is refused", reports, [["      eth0: 172.31.0.218/24\n", "      eth0: 172.31.0.0/24\n"]], ["error interface-address-reserved hosts.server.interfaces.eth0"]);
test("a client without a server is reported at the hosts key", reports, [["    role: server\n", "    role: client\n"]], [
    "error role-count hosts",
    "error role-count hosts.server.role",
]);
