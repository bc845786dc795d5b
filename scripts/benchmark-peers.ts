// mptcp-lab side by side with its peers on identical emulated benches of its own, in the same run:
// an Ansible playbook doing the same provisioning (scripts/peers/mptcp-lab.yml) and a plain bash
// script over SSH doing the same commands (scripts/peers/provision.sh, the floor).
//   node -r ts-node/register/transpile-only scripts/benchmark-peers.ts [--rounds N] [--skip-cold]
// Benches t-peer-lab, t-peer-ans and t-peer-sh on subnet indexes 40 to 42, each converged once;
// then, alternating mptcp-lab, Ansible, script in every round (A B C A B C): no-op converge
// (`mptcp-lab up` against a second playbook run), drift (`mptcp-lab drift` against
// `ansible-playbook --check --diff`), and cold provision on fresh hosts with the failover test
// left out (`pulumi up --exclude` of the test's run). The hosts get python3 before anything is
// timed, as Raspberry Pi OS Lite has it (Ansible needs it; the bench's base image lacks it).
// Prints medians, min-max, per-pair ratios, wall and CPU time (children included), and peak
// memory of the largest process and of the whole process tree. Everything it made is removed.
// Run it under the machine's integration lock: it builds benches and runs the engine.
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { benchDown, benchPlanFromLab, benchUp, checkBenchPrerequisites, type BenchPlan, type BenchStatus } from "../bench";
import { failoverRunUrn } from "../cli/lab-stacks";
import { type LabSpec, loadLabFromStackFile } from "../lab";
import { engineEnvironment, pulumiRoot, repositoryRoot, toolchainPaths } from "../toolchain";
import { createTestStack, testLab, type TestStack } from "../test/integration/lab-harness";
import { type Measurement, measure } from "./lib/measure";
import { traceTimeline } from "./lib/process-timeline";

const LAB = { name: "t-peer-lab", index: 40 };
const ANSIBLE = { name: "t-peer-ans", index: 41 };
const SCRIPT = { name: "t-peer-sh", index: 42 };
const peersDir = path.join(repositoryRoot, "scripts", "peers");
const cli = path.join(repositoryRoot, "cli", "mptcp-lab");
/** iproute2's order of endpoint flags, which the peers' canonical form keeps. */
const FLAG_ORDER = ["signal", "subflow", "backup", "fullmesh"];

/** The lab of a bench, loaded and checked the way mptcp-lab loads a stack file. */
function labOf(name: string, index: number, runDir: string): LabSpec {
    const file = path.join(runDir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, JSON.stringify({ config: { "mptcp-lab:lab": testLab({ name, index }) } }));
    return loadLabFromStackFile(file).spec;
}

/** Runs a script as root on every host of a bench over SSH, host keys pinned. */
async function onEveryHost(status: BenchStatus, script: string): Promise<void> {
    await Promise.all(
        status.hosts.map(
            (host) =>
                new Promise<void>((resolve, reject) => {
                    const ssh = ["-i", status.privateKeyPath, "-o", `UserKnownHostsFile=${status.knownHostsPath}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"];
                    const child = execFile("ssh", [...ssh, `${host.user}@${host.managementAddress}`, ...(host.user === "root" ? [] : ["sudo", "-n"]), "bash", "-s"], (error, _stdout, stderr) =>
                        error ? reject(new Error(`${status.name}/${host.name}: ${stderr || error.message}`)) : resolve(),
                    );
                    child.stdin?.end(script);
                }),
        ),
    );
}

/** What every bench gets before it is timed: package lists, and python3 (Ansible's need). */
const PREPARE_HOST = `set -e
export DEBIAN_FRONTEND=noninteractive
command -v python3 >/dev/null && exit 0
apt-cache show python3 >/dev/null 2>&1 || apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 >/dev/null
`;

async function freshBench(plan: BenchPlan): Promise<BenchStatus> {
    let status: BenchStatus;
    try {
        status = await benchUp(plan);
    } catch (error) {
        // On a busy machine a host's sshd now and then misses the start-up deadline; once more
        // from scratch, as the error's hint says.
        if ((error as { code?: string }).code !== "BENCH_HOST_START_FAILED") throw error;
        process.stderr.write(`bench ${plan.name}: ${(error as Error).message.split("\n")[0]}; starting it afresh once\n`);
        await benchDown(plan.name);
        status = await benchUp(plan);
    }
    await onEveryHost(status, PREPARE_HOST);
    return status;
}

function canonicalEndpoint(endpoint: { address: string; device: string; flags: readonly string[] }): string {
    return `${endpoint.address} ${endpoint.device} ${FLAG_ORDER.filter((flag) => endpoint.flags.includes(flag)).join(",")}`;
}

/** The Ansible inventory (JSON is YAML) and the script's tab-separated one, from the lab. */
function writeInventories(lab: LabSpec, status: BenchStatus, dir: string): { ansible: string; script: string } {
    const hosts = lab.hosts.map((spec) => {
        const host = status.hosts.find((candidate) => candidate.name === spec.name);
        if (!host) throw new Error(`bench ${status.name} has no host ${spec.name}`);
        return {
            name: spec.name,
            address: host.managementAddress,
            headers: spec.headers.package,
            limits: `subflows ${spec.limits.subflows} add_addr_accepted ${spec.limits.addAddrAccepted}`,
            endpoints: spec.endpoints.map(canonicalEndpoint),
        };
    });
    const ssh = `-o UserKnownHostsFile=${status.knownHostsPath} -o StrictHostKeyChecking=yes`;
    const inventory = {
        lab: {
            hosts: Object.fromEntries(
                hosts.map((host) => [
                    host.name,
                    {
                        ansible_host: host.address,
                        ansible_user: "root",
                        ansible_ssh_private_key_file: status.privateKeyPath,
                        ansible_ssh_common_args: ssh,
                        mptcp_headers_package: host.headers,
                        mptcp_limits: host.limits,
                        mptcp_endpoints: host.endpoints,
                    },
                ]),
            ),
        },
    };
    const ansible = path.join(dir, `${status.name}.inventory.yml`);
    const script = path.join(dir, `${status.name}.inventory.tsv`);
    fs.writeFileSync(ansible, JSON.stringify(inventory, null, 2));
    fs.writeFileSync(script, hosts.map((host) => [host.name, host.address, host.headers, host.limits, host.endpoints.join(";")].join("\t")).join("\n") + "\n");
    return { ansible, script };
}

type Tool = "mptcp-lab" | "Ansible" | "script";
/** `no-op converge (--full)`: mptcp-lab forced through the engine (`up --full`), the peers' no-op as before. */
type Work = "no-op converge" | "no-op converge (--full)" | "drift" | "cold provision";
const TOOLS: readonly Tool[] = ["mptcp-lab", "Ansible", "script"];

interface Context {
    runDir: string;
    logFile: string;
    ansibleEnv: NodeJS.ProcessEnv;
    inventories: Record<"Ansible" | "script", { ansible: string; script: string }>;
    statuses: Record<"Ansible" | "script", BenchStatus>;
    /** The lab stack's failover test run, left out of a cold provision (known after its first up). */
    failoverRunUrn: string;
}

/** The command each tool runs for each work. */
function commandOf(tool: Tool, work: Work, context: Context): { argv: string[]; env?: NodeJS.ProcessEnv; okCodes: number[] } {
    if (tool === "mptcp-lab") {
        if (work === "no-op converge") return { argv: [cli, "up", "--stack", LAB.name, "--no-table"], okCodes: [0] };
        if (work === "no-op converge (--full)") return { argv: [cli, "up", "--stack", LAB.name, "--no-table", "--full"], okCodes: [0] };
        if (work === "drift") return { argv: [cli, "drift", "--stack", LAB.name], okCodes: [0] };
        const pulumi = path.join(pulumiRoot(), "bin", "pulumi");
        const argv = [pulumi, "up", "--yes", "--skip-preview", "--non-interactive", "--stack", LAB.name, "--exclude", context.failoverRunUrn];
        return { argv, env: { ...process.env, ...engineEnvironment(toolchainPaths()) }, okCodes: [0] };
    }
    if (tool === "Ansible") {
        const argv = ["ansible-playbook", "-i", context.inventories.Ansible.ansible, path.join(peersDir, "mptcp-lab.yml")];
        // --check exits 0 whether or not it found drift; the recap says which.
        return { argv: work === "drift" ? [...argv, "--check", "--diff"] : argv, env: context.ansibleEnv, okCodes: [0] };
    }
    const status = context.statuses.script;
    const argv = [path.join(peersDir, "provision.sh"), "--key", status.privateKeyPath, "--known-hosts", status.knownHostsPath];
    return { argv: [...argv, ...(work === "drift" ? ["--check"] : []), context.inventories.script.script], okCodes: [0] };
}

/** A no-op or a drift check of a converged bench must change and find nothing: else it measured something else. */
function checkNothingChanged(tool: Tool, work: Work, output: string): void {
    if (work === "cold provision") return;
    const changed = tool === "Ansible" ? /changed=[1-9]/.test(output) : tool === "script" ? /^\w+: (apply|check): /m.test(output) : / (create|update|replace|delete)[\w-]* (running|done)$/m.test(output);
    if (changed) throw new Error(`${tool} ${work} changed or found something on a converged bench:\n${output.slice(-2000)}`);
    // The plain no-op must be the converged path, else the two mptcp-lab rows measure the same thing.
    if (tool === "mptcp-lab" && work === "no-op converge" && !output.includes("no changes: ")) throw new Error(`mptcp-lab up ran the engine on a converged bench:\n${output.slice(-2000)}`);
}

async function run(tool: Tool, work: Work, round: number, context: Context): Promise<Measurement> {
    const { argv, env, okCodes } = commandOf(tool, work, context);
    const logged = fs.existsSync(context.logFile) ? fs.statSync(context.logFile).size : 0;
    const result = await measure(argv, { cwd: repositoryRoot, env, logFile: context.logFile });
    checkNothingChanged(tool, work, fs.readFileSync(context.logFile, "utf8").slice(logged));
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    process.stderr.write(
        `${work}, round ${round}, ${tool}: ${result.wallSeconds.toFixed(2)} s wall, ${result.cpuSeconds.toFixed(2)} s CPU, ` +
            `largest ${mib(result.largestBytes)} MiB (${result.largestName}), tree ${mib(result.treeBytes)} MiB / ${result.treeProcesses} processes, load ${result.loadAverage.toFixed(2)}\n`,
    );
    if (!okCodes.includes(result.exitCode)) throw new Error(`${tool} ${work} exited with ${result.exitCode}; see ${context.logFile}`);
    return result;
}

const median = (values: readonly number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const range = (values: readonly number[], digits = 2) => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;

function report(results: Map<Work, Record<Tool, Measurement[]>>): string {
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    const lines = [
        "| work | tool | wall s, median (min-max) | CPU s, median (min-max) | peak largest process | peak tree | load (1 min) |",
        "|---|---|---|---|---|---|---|",
    ];
    const ratios = ["| work | mptcp-lab / Ansible wall, per pair median (min-max) | CPU | mptcp-lab / script wall | CPU |", "|---|---|---|---|---|"];
    for (const [work, byTool] of results) {
        for (const tool of TOOLS) {
            const runs = byTool[tool];
            if (runs.length === 0) continue;
            const wall = runs.map((r) => r.wallSeconds);
            const cpu = runs.map((r) => r.cpuSeconds);
            const largest = runs.reduce((a, b) => (b.largestBytes > a.largestBytes ? b : a));
            const tree = runs.reduce((a, b) => (b.treeBytes > a.treeBytes ? b : a));
            lines.push(
                `| ${work} | ${tool} | ${median(wall).toFixed(2)} (${range(wall)}) | ${median(cpu).toFixed(2)} (${range(cpu)}) | ` +
                    `${mib(largest.largestBytes)} MiB (${largest.largestName}) | ${mib(tree.treeBytes)} MiB, ${tree.treeProcesses} processes | ${range(runs.map((r) => r.loadAverage))} |`,
            );
        }
        const pairs = (other: Tool, key: "wallSeconds" | "cpuSeconds") => {
            const values = byTool["mptcp-lab"].map((r, i) => (byTool[other][i] ? r[key] / byTool[other][i][key] : NaN)).filter(Number.isFinite);
            return values.length ? `${median(values).toFixed(2)} (${range(values)})` : "-";
        };
        ratios.push(`| ${work} | ${pairs("Ansible", "wallSeconds")} | ${pairs("Ansible", "cpuSeconds")} | ${pairs("script", "wallSeconds")} | ${pairs("script", "cpuSeconds")} |`);
    }
    return [...lines, "", ...ratios, ""].join("\n");
}

/** Issue 15's figures before this work, for the side-by-side view. */
const BEFORE = [
    "Before (issue 15, quiet machine): no-op 12.4 s wall / 12.5 s CPU (Ansible 11.4 / 8.2, script 0.82 / 0.25);",
    "drift 8.4 s (Ansible 10.7, script 0.90); cold 77.5 s (Ansible 77.0, script 42.8);",
    "peak largest process / tree 250 MiB / 0.9 GiB (Ansible 60 / 180 MiB, script 11 MiB).",
    "Before the lazy TypeScript compiler, the shim modules, swc for the program and shared SSH connections: no-op 1.17-1.31x Ansible",
    "wall, 3.4-3.7x CPU; drift 1.14-1.19x, 2.9-3.1x CPU; largest process 250 MiB (the program), tree about 0.9 GiB / 13 processes.",
    "Before converged up, engine-less drift and the transpile cache (this script, 3 rounds, load 2.7-4.0): no-op 0.92x Ansible wall,",
    "2.76x CPU (6.23 s, 7.45 s CPU); drift 0.99x, 2.60x CPU (5.22 s, 6.17 s CPU); largest process 163 MiB, tree 752 MiB.",
    "Before the in-process state read and TCP_NODELAY (this script, 3 rounds, load 1.9-2.8): no-op 1.52 s, 0.26x Ansible wall,",
    "0.62x CPU, 121 MiB; drift 1.13 s, 0.21x, 0.39x CPU, 103 MiB; up --full 7.87 s, 1.28x, 3.79x CPU, 152 MiB; cold about 1.8x the script.",
    "Before joined host reads, the lazy arborist, the program without provider code, the one-step HostState and the direct",
    "provider launcher (this script, 3 rounds, load 2.0-2.8): no-op 0.58 s, 0.08x Ansible wall, 0.20x CPU, 73 MiB; drift 0.56 s, 0.10x,",
    "0.21x CPU, 67 MiB; up --full 5.69 s, 0.88x, 137 MiB; cold 24.17 s, 1.21x the script (1.10-1.23 per pair).",
    "Targets: no-op and drift <= 0.5x Ansible wall and <= 1x its CPU; any process <= 150 MiB; cold <= 1.15x the script.",
].join("\n");

function ensureAnsible(): void {
    try {
        execFileSync("ansible-playbook", ["--version"], { stdio: "ignore" });
    } catch {
        // Only the benchmark needs Ansible, so it installs Debian's package itself rather than
        // making every machine that runs the tests carry it.
        process.stderr.write("ansible-playbook is missing: installing Debian's ansible package\n");
        execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "ansible"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    }
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, "skip-cold": { type: "boolean", default: false } } });
    const rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error(`--rounds takes a whole number 1 to 50, not ${JSON.stringify(values.rounds)}`);
    await checkBenchPrerequisites();
    ensureAnsible();
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-peers-"));
    const logFile = path.join(runDir, "commands.log");
    process.stderr.write(`commands' output: ${logFile} (kept on failure)\n`);
    const ansibleEnv = {
        ...process.env,
        ANSIBLE_CONFIG: path.join(peersDir, "ansible.cfg"),
        ANSIBLE_LOCAL_TEMP: path.join(runDir, "ansible-tmp"),
        ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(runDir, "cp"),
        ANSIBLE_HOME: path.join(runDir, "ansible-home"),
        ANSIBLE_NOCOLOR: "1",
    };
    const labs = { lab: labOf(LAB.name, LAB.index, runDir), Ansible: labOf(ANSIBLE.name, ANSIBLE.index, runDir), script: labOf(SCRIPT.name, SCRIPT.index, runDir) };
    const plans = { lab: benchPlanFromLab(labs.lab)!, Ansible: benchPlanFromLab(labs.Ansible)!, script: benchPlanFromLab(labs.script)! };
    let testStack: TestStack | undefined;
    let failed = false;
    const results = new Map<Work, Record<Tool, Measurement[]>>();
    try {
        const lab = (testStack = await createTestStack(LAB, (line) => process.stderr.write(`${line}\n`)));
        const context: Context = {
            runDir,
            logFile,
            ansibleEnv,
            statuses: { Ansible: await freshBench(plans.Ansible), script: await freshBench(plans.script) },
            inventories: { Ansible: { ansible: "", script: "" }, script: { ansible: "", script: "" } },
            failoverRunUrn: "",
        };
        context.inventories.Ansible = writeInventories(labs.Ansible, context.statuses.Ansible, runDir);
        context.inventories.script = writeInventories(labs.script, context.statuses.script, runDir);
        await freshBench(plans.lab);
        process.stderr.write("converging each bench once (mptcp-lab with its failover test; round 0 is not counted)\n");
        await lab.stack.up();
        // As a user gets there: `mptcp-lab up` once more, which records the converged state (docs/converged.md).
        execFileSync(cli, ["up", "--stack", LAB.name, "--no-table"], { cwd: repositoryRoot, stdio: "ignore" });
        context.failoverRunUrn = await failoverRunUrn(lab.stack);
        await run("Ansible", "cold provision", 0, context);
        await run("script", "cold provision", 0, context);

        const warm: Work[] = ["no-op converge", "no-op converge (--full)", "drift"];
        const works: Work[] = values["skip-cold"] ? warm : [...warm, "cold provision"];
        const timelines: string[] = [];
        // Where mptcp-lab's time goes: one more no-op and one more drift under strace, while the
        // stack is still converged (before the cold rounds).
        const trace = async () => {
            for (const traced of ["no-op converge", "drift"] as const) {
                const { argv, env } = commandOf("mptcp-lab", traced, context);
                const timeline = await traceTimeline(argv, { cwd: repositoryRoot, env, traceFile: path.join(runDir, "trace.txt") });
                timelines.push(`mptcp-lab ${traced}, processes (strace -f, execve and exits; load ${os.loadavg()[0].toFixed(2)}):\n${timeline}\n`);
            }
        };
        for (const work of works) {
            if (work === "cold provision") await trace();
            const byTool: Record<Tool, Measurement[]> = { "mptcp-lab": [], Ansible: [], script: [] };
            results.set(work, byTool);
            for (let round = 1; round <= rounds; round++) {
                if (work === "cold provision") {
                    // Fresh hosts for each tool, brought up (untimed) before it runs.
                    await lab.stack.destroy();
                    await freshBench(plans.lab);
                    await benchDown(ANSIBLE.name);
                    context.statuses.Ansible = await freshBench(plans.Ansible);
                    await benchDown(SCRIPT.name);
                    context.statuses.script = await freshBench(plans.script);
                }
                for (const tool of TOOLS) byTool[tool].push(await run(tool, work, round, context));
            }
        }
        if (!works.includes("cold provision")) await trace();
        process.stdout.write(`\nmachine: ${os.cpus().length} cores, ${os.release()}, load now ${os.loadavg().map((load) => load.toFixed(2)).join(" ")}; ${rounds} round(s)\n\n`);
        process.stdout.write(report(results));
        process.stdout.write(`\n${BEFORE}\n\n${timelines.join("\n")}`);
    } catch (error) {
        failed = true;
        if (results.size > 0) process.stdout.write(`\nWhat was measured before the failure (load now ${os.loadavg()[0].toFixed(2)}):\n\n${report(results)}`);
        throw error;
    } finally {
        if (testStack) await testStack.cleanup();
        for (const name of [LAB.name, ANSIBLE.name, SCRIPT.name]) await benchDown(name, { purge: true }).catch((error: Error) => process.stderr.write(`bench down ${name}: ${error.message}\n`));
        if (!failed) fs.rmSync(runDir, { recursive: true, force: true });
    }
}

main().catch((error: unknown) => {
    const details = error as { code?: string; hint?: string; message?: string };
    process.stderr.write(`benchmark failed: ${details.code ?? ""} ${details.message ?? String(error)}\n${details.hint ?? ""}\n`);
    process.exitCode = 1;
});
