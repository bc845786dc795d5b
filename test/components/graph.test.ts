// The component graph under Pulumi's mocks: which children each component creates, who their
// parents are, and what reaches the dynamic providers and remote commands. No engine, no host.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

// setMocks does its work before returning; its promise carries nothing.
void pulumi.runtime.setMocks(
    {
        newResource(args: pulumi.runtime.MockResourceArgs) {
            // The serialised provider is the same for every dynamic resource: leave it out.
            const inputs = Object.fromEntries(Object.entries(args.inputs).filter(([key]) => key !== "__provider"));
            registered.push({ type: args.type, name: args.name, inputs });
            const facts = { kernelRelease: "6.12.47+rpt-rpi-v8", localIperf3Version: "", localIperf3State: "absent", localIperf3Change: "" };
            const stdout = args.name.endsWith("-headers-install")
                ? "kernel=6.12.47+rpt-rpi-v8\npackage=linux-headers-rpi-v8\nversion=1:6.12.47-1+rpt1\nipproto_mptcp=262"
                : "binary=/usr/local/bin/iperf3\nversion=iperf 3.21 (cJSON 1.7.15)\ncommit=d39cf4152662\nmptcp=native";
            return { id: `${args.name}-id`, state: { ...inputs, facts, stdout } };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            throw new Error(`unexpected call ${args.token}`);
        },
    },
    "mptcp-lab",
    "unit",
    false,
);

// Mocks are set before the components are imported, as Pulumi's testing guide requires.
const load = async () => ({
    ...(await import("../../components/raspberry-pi")),
    ...(await import("../../components/kernel-headers")),
    ...(await import("../../components/iperf3")),
    ...(await import("../../components/mptcp-endpoints")),
});
const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm8n1Yq5n4u2n3p6ZkR1cQ3T8P0Y2l1xq3p2b9kq0rS";
const connection = { address: "172.31.0.133", port: 22, user: "pi", privateKey: pulumi.secret("PRIVATE KEY"), hostKey };

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}
const urnsOf = (resource: pulumi.Resource) => valueOf(resource.urn);

let urns: string[] = [];

test.before(async () => {
    const { RaspberryPi, KernelHeaders, Iperf3, MptcpEndpoints } = await load();
    const pi = new RaspberryPi("client", { connection });
    const headers = new KernelHeaders("client-headers", { host: pi });
    const iperf3 = new Iperf3("client-iperf3", { host: pi, from: "source", tag: "3.21" });
    const endpoints = new MptcpEndpoints("client-endpoints", {
        host: pi,
        role: "client",
        endpoints: [{ address: "172.31.0.173", device: "wlan0", flags: ["subflow"] }],
        limits: { subflows: 2, addAddrAccepted: 4 },
    });
    const persistent = new MptcpEndpoints("client-persistent-endpoints", {
        host: pi,
        role: "client",
        endpoints: [{ address: "172.31.0.173", device: "wlan0", flags: ["subflow"] }],
        limits: { subflows: 2, addAddrAccepted: 4 },
        persist: true,
    });
    urns = await Promise.all([pi, headers, iperf3, endpoints].map(urnsOf));
    // Children register asynchronously; their outputs resolve once they have.
    await Promise.all([valueOf(pi.facts), valueOf(headers.kernelRelease), valueOf(iperf3.version), valueOf(endpoints.endpoints), valueOf(persistent.endpoints)]);
});

test("a Raspberry Pi host owns its headers, iperf3 and endpoints; installs are remote commands, state is dynamic resources", (t) => {
    t.regex(urns[0], /::mptcp-lab:host:RaspberryPi::client$/);
    t.regex(urns[1], /::mptcp-lab:host:RaspberryPi\$mptcp-lab:host:KernelHeaders::client-headers$/, "headers are parented to the host");
    t.regex(urns[2], /::mptcp-lab:host:RaspberryPi\$mptcp-lab:host:Iperf3::client-iperf3$/, "iperf3 is parented to the host");
    t.regex(urns[3], /::mptcp-lab:host:RaspberryPi\$mptcp-lab:host:MptcpEndpoints::client-endpoints$/, "endpoints are parented to the host");

    const dynamicTypes = registered.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")).map((r) => `${r.type} ${r.name}`).sort();
    t.deepEqual(dynamicTypes, [
        "pulumi-nodejs:dynamic/mptcp-lab:HostState client-state",
        "pulumi-nodejs:dynamic/mptcp-lab:MptcpEndpointState client-endpoints-state",
        "pulumi-nodejs:dynamic/mptcp-lab:MptcpEndpointState client-persistent-endpoints-state",
    ]);
    const commands = registered.filter((r) => r.type === "command:remote:Command").map((r) => r.name).sort();
    t.deepEqual(commands, ["client-headers-install", "client-iperf3-install"]);
});

const commandNamed = (name: string) => registered.find((r) => r.type === "command:remote:Command" && r.name === name)!;
/** The positional parameters the script receives: the `set -- ...` line of its stdin. */
const scriptArguments = (name: string) => /^set -- (.*)$/m.exec(String(commandNamed(name).inputs.stdin))![1];

test("the iperf3 build defaults to the upstream repository at tag 3.21 with no configure flags", (t) => {
    t.is(scriptArguments("client-iperf3-install"), "'client' 'build iperf3 3.21 from https://github.com/esnet/iperf.git' 'https://github.com/esnet/iperf.git' '3.21' '/usr/local/src/mptcp-lab/iperf3' '/usr/local/bin/iperf3' 'no' '' 'as built'");
    t.like(registered.find((r) => r.type === "mptcp-lab:host:Iperf3")!.inputs, { from: "source", repository: "https://github.com/esnet/iperf.git", tag: "3.21", hostName: "client" });
});

test("the iperf3 build re-runs on the repository, tag, configure flags and a hand-replaced binary, not on the connection", (t) => {
    const triggers = commandNamed("client-iperf3-install").inputs.triggers as unknown[];
    t.deepEqual(triggers.slice(1), ["source", "https://github.com/esnet/iperf.git", "3.21", [], "iperf3", "no", "as built"]);
    t.regex(String(triggers[0]), /^[0-9a-f]{16}$/, "the script's revision comes first");
});

test("the headers default to the packages that match the running kernel from the host's facts", (t) => {
    t.regex(scriptArguments("client-headers-install"), /^'client' 'install kernel headers, git and build-essential' 'linux-headers-6\.12\.47\+rpt-rpi-v8 linux-headers-rpi-v8'$/);
    t.deepEqual((commandNamed("client-headers-install").inputs.triggers as unknown[]).slice(1), ["auto", "6.12.47+rpt-rpi-v8"]);
});

test("install steps report what the host printed as the components' outputs", async (t) => {
    const { RaspberryPi, KernelHeaders, Iperf3 } = await load();
    const pi = new RaspberryPi("reporter", { connection });
    const headers = new KernelHeaders("reporter-headers", { host: pi });
    const iperf3 = new Iperf3("reporter-iperf3", { host: pi, from: "source" });
    t.is(await valueOf(headers.installedPackage), "linux-headers-rpi-v8");
    t.is(await valueOf(iperf3.version), "iperf 3.21 (cJSON 1.7.15)");
    t.is(await valueOf(iperf3.commit), "d39cf4152662");
    t.is(await valueOf(iperf3.mptcp), "native");
});

test("the endpoint state receives the declared endpoints and limits, without a boot unit by default", (t) => {
    const state = registered.find((r) => r.name === "client-endpoints-state")!;
    t.deepEqual(state.inputs.endpoints, [{ address: "172.31.0.173", device: "wlan0", flags: ["subflow"] }]);
    t.deepEqual(state.inputs.limits, { subflows: 2, addAddrAccepted: 4 });
    t.is(state.inputs.persist, false);
});

test("persist asks the endpoint state for a boot unit", (t) => {
    t.is(registered.find((r) => r.name === "client-persistent-endpoints-state")!.inputs.persist, true);
});

test("the host state declares MPTCP on and mptcp-lab's sysctl.d file, so that a refresh shows either drifting", (t) => {
    t.like(registered.find((r) => r.name === "client-state")!.inputs, { hostName: "client", mptcpEnabled: true, persisted: true });
});

const secretSignature = "4dabf18193072939515e22adb298388d";

test("every host operation receives the pinned host key with the connection, as a secret", (t) => {
    for (const name of ["client-state", "client-endpoints-state"]) {
        const connection = registered.find((r) => r.name === name)!.inputs.connection as Record<string, unknown>;
        t.truthy(connection[secretSignature], `${name} gets the connection as a secret`);
        t.like(connection.value as object, { address: "172.31.0.133", port: 22, user: "pi", hostKey, privateKey: "PRIVATE KEY" });
    }
    for (const name of ["client-headers-install", "client-iperf3-install"]) {
        const connection = commandNamed(name).inputs.connection as Record<string, unknown>;
        t.truthy(connection[secretSignature], `${name} gets the connection as a secret`);
        t.like(connection.value as object, { host: "172.31.0.133", port: 22, user: "pi", hostKey, privateKey: "PRIVATE KEY" });
    }
});

test("a non-root login runs install scripts through sudo", (t) => {
    t.is(commandNamed("client-iperf3-install").inputs.create, "sudo -n bash -s");
});

test("a lab that runs iperf3 under mptcpize asks the install for mptcpize whatever the binary offers", async (t) => {
    const { RaspberryPi, Iperf3 } = await load();
    const pi = new RaspberryPi("wrapped", { connection });
    const iperf3 = new Iperf3("wrapped-iperf3", { host: pi, from: "package", runsUnderMptcpize: true });
    await valueOf(iperf3.version);
    t.is(scriptArguments("wrapped-iperf3-install"), "'wrapped' 'install iperf3 from the OS package iperf3' 'iperf3' 'mptcpize'");
});

test("the installed-binary trigger moves only for a binary the build did not install", async (t) => {
    const { installedIperf3Trigger } = await import("../../components/iperf3");
    t.is(installedIperf3Trigger({ localIperf3State: "absent", localIperf3Change: "" }), "as built", "nothing installed yet: the first build is not followed by a second");
    t.is(installedIperf3Trigger({ localIperf3State: "as-built", localIperf3Change: "" }), "as built", "a stamp from before the answered line");
    t.is(installedIperf3Trigger({ localIperf3State: "as-built", localIperf3Change: "as built" }), "as built", "a tag change alone leaves it");
    t.is(installedIperf3Trigger({ localIperf3State: "replaced", localIperf3Change: "replaced 0123456789ab" }), "replaced 0123456789ab");
    t.is(installedIperf3Trigger({ localIperf3State: "as-built", localIperf3Change: "replaced 0123456789ab" }), "replaced 0123456789ab", "the rebuild that answered it holds the value");
});
