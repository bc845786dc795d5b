// The mptcp-lab Pulumi program, the only composition root: read the lab from the stack file,
// validate it, create the components, export the host facts and the failover results.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { benchPlanFromLab } from "./bench/plan";
import { EmulatedBench, FailoverTest, HostConnectionArgs, Iperf3, KernelHeaders, MptcpEndpoints, RaspberryPi } from "./components";
import { repeatFromEnvironment } from "./failover";
import { formatProblem, LabError, loadLabFromStackFile } from "./lab";
import { declaredEndpointState } from "./lab/declared-state";
import type { HostSpec, LabSpec } from "./lab";
import { toolchainPaths } from "./toolchain";

const stackName = pulumi.getStack();
const stackFile = path.join(__dirname, "stacks", `Pulumi.${stackName}.yaml`);

function loadLab(): LabSpec {
    try {
        const { spec, warnings } = loadLabFromStackFile(stackFile);
        warnings.forEach((warning) => pulumi.log.warn(formatProblem(warning)));
        return spec;
    } catch (error) {
        if (error instanceof LabError) {
            throw new Error(`the lab in ${stackFile} is not valid:\n${error.problems.map(formatProblem).join("\n")}`);
        }
        throw error;
    }
}

const lab = loadLab();
const benchPlan = benchPlanFromLab(lab);
const bench = benchPlan ? new EmulatedBench(benchPlan.name, { plan: benchPlan }) : undefined;

function connectionOf(host: HostSpec): HostConnectionArgs {
    // The bench's hosts, like Raspberry Pi OS, have `pi` with passwordless sudo; `bench.user` may choose root.
    if (bench && lab.bench) return { ...bench.connectionFor(host.name), user: lab.bench.user };
    const connection = host.connection!;
    return {
        address: connection.address,
        port: connection.port,
        user: connection.user,
        hostKey: connection.hostKey,
        privateKey: new pulumi.Config("mptcp-lab").requireSecret("sshPrivateKey"),
    };
}

/**
 * Where the hosts fetch the lab's iperf3 repository from instead of its URL: the emulated bench's
 * copy of the controller's mirror, or a classroom controller's mirror (`mptcp-lab:gitMirror`).
 */
function iperf3Mirror(): pulumi.Input<string> | undefined {
    if (lab.iperf3.from !== "source") return undefined;
    if (bench) return bench.mirrorOf(lab.iperf3.repository, lab.iperf3.tag);
    return new pulumi.Config("mptcp-lab").get("gitMirror");
}
const mirror = iperf3Mirror();

function provision(host: HostSpec) {
    const pi = new RaspberryPi(host.name, { connection: connectionOf(host) }, { dependsOn: bench ? [bench] : [] });
    const headers = new KernelHeaders(`${host.name}-headers`, { host: pi, package: host.headers.package });
    const iperf3 = new Iperf3(
        `${host.name}-iperf3`,
        lab.iperf3.from === "source"
            ? { host: pi, from: "source", repository: lab.iperf3.repository, tag: lab.iperf3.tag, configureFlags: [...lab.iperf3.configureFlags], requireMptcpFlag: lab.iperf3.mptcp === "native", runsUnderMptcpize: lab.iperf3.mptcp === "mptcpize", mirror }
            : { host: pi, from: "package", package: lab.iperf3.package, requireMptcpFlag: lab.iperf3.mptcp === "native", runsUnderMptcpize: lab.iperf3.mptcp === "mptcpize" },
        { dependsOn: [headers] },
    );
    const endpoints = new MptcpEndpoints(`${host.name}-endpoints`, { host: pi, role: host.role, ...declaredEndpointState(host) });
    return { spec: host, pi, headers, iperf3, endpoints };
}

const hosts = lab.hosts.map(provision);
const client = hosts.find((h) => h.spec.role === "client")!;
const server = hosts.find((h) => h.spec.role === "server")!;
const failing = hosts.find((h) => h.spec.name === lab.failover.host)!;
const failingAddress = failing.spec.interfaces.find((i) => i.name === lab.failover.interface)!.address;
const mptcpMode = lab.iperf3.mptcp === "auto" ? client.iperf3.mptcp : pulumi.output(lab.iperf3.mptcp);

const failoverTest = new FailoverTest(
    "failover",
    {
        client: client.pi,
        server: server.pi,
        serverAddress: server.spec.interfaces[0].address,
        failingHost: failing.spec.role,
        failingInterface: lab.failover.interface,
        failingAddress,
        durationSeconds: lab.failover.durationSeconds,
        intervalSeconds: lab.failover.intervalSeconds,
        downAtSeconds: lab.failover.downAtSeconds,
        upAtSeconds: lab.failover.upAtSeconds,
        failback: lab.failover.failback,
        direction: lab.failover.direction,
        control: lab.failover.control,
        mptcp: mptcpMode,
        dependencies: Object.fromEntries(
            hosts.map((h) => [h.spec.name, { iperf3: h.iperf3.version, commit: h.iperf3.commit, endpoints: h.endpoints.endpoints, limits: h.endpoints.limits }]),
        ),
        runToken: lab.failover.runToken,
        repeat: repeatFromEnvironment(process.env, lab.failover.repeat),
        resultsRoot: path.join(toolchainPaths().stateRoot, "results", stackName),
    },
    { dependsOn: hosts.flatMap((h) => [h.iperf3, h.endpoints]) },
);

export const labName = lab.name;
export const hostFacts = Object.fromEntries(hosts.map((h) => [h.spec.name, h.pi.facts]));
export const failover = {
    runId: failoverTest.runId,
    resultsDir: failoverTest.resultsDir,
    mptcp: failoverTest.mptcpRun,
    control: failoverTest.controlRun,
    runs: failoverTest.runs,
    spread: failoverTest.spread,
    versions: {
        iperf3: Object.fromEntries(hosts.map((h) => [h.spec.name, h.iperf3.version])),
        commit: Object.fromEntries(hosts.map((h) => [h.spec.name, h.iperf3.commit])),
        kernel: Object.fromEntries(hosts.map((h) => [h.spec.name, h.headers.kernelRelease])),
    },
    endpoints: Object.fromEntries(hosts.map((h) => [h.spec.name, { endpoints: h.endpoints.endpoints, limits: h.endpoints.limits }])),
};
