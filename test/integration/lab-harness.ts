// Lab stacks for integration tests: a stack file written into stacks/ for the test's own bench,
// opened through the Automation API, destroyed and removed afterwards (files, stack, bench).
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { ExecutionContext } from "ava";
import type { Stack } from "@pulumi/pulumi/automation";
import { benchDown, benchStatus } from "../../bench";
import { forgetConverged } from "../../cli/converged";
import { openLabStack } from "../../cli/lab-stacks";
import { stacksDir } from "../../cli/stack-files";

export interface TestLabOptions {
    /** Stack and bench name, `t-` prefixed, at most 15 characters. */
    name: string;
    /** Subnet index n: lab LAN 198.18.n.0/24, management 198.19.n.0/24. */
    index: number;
    /** iperf3 section of the lab; default Debian's package under mptcpize. */
    iperf3?: Record<string, unknown>;
    /** Overrides of the failover section. */
    failover?: Record<string, unknown>;
    /** Overrides per host, e.g. `{ client: { headers: "no-such-package" } }`. */
    hosts?: Record<string, Record<string, unknown>>;
    /** More settings of the bench section, e.g. `{ networkManager: ["client"] }`. */
    bench?: Record<string, unknown>;
}

/** The emulated seed lab on the test's own bench and subnets, with a short failover run. */
export function testLab(options: TestLabOptions): Record<string, unknown> {
    const n = options.index;
    const host = (role: string, eth0: number, wlan0: number) => ({
        role,
        interfaces: { eth0: `198.18.${n}.${eth0}/24`, wlan0: `198.18.${n}.${wlan0}/24` },
        headers: "linux-libc-dev",
        ...(options.hosts?.[role] ?? {}),
    });
    return {
        name: options.name,
        bench: { name: options.name, subnet: `198.18.${n}.0/24`, managementSubnet: `198.19.${n}.0/24`, ...(options.bench ?? {}) },
        hosts: { client: host("client", 133, 173), server: host("server", 218, 237) },
        iperf3: options.iperf3 ?? { package: "iperf3", mptcp: "auto" },
        failover: { host: "client", interface: "wlan0", durationSeconds: 6, intervalSeconds: 0.1, downAtSeconds: 2, upAtSeconds: 4, control: true, runToken: "1", ...(options.failover ?? {}) },
    };
}

export function stackFilePath(name: string): string {
    return path.join(stacksDir, `Pulumi.${name}.yaml`);
}

/** Writes (or rewrites) the test stack's file, as an instructor would edit it. */
export function writeStackFile(name: string, lab: Record<string, unknown>): void {
    fs.writeFileSync(stackFilePath(name), `# Written by an integration test; removed when it ends.\n${yaml.dump({ config: { "mptcp-lab:lab": lab } })}`);
}

export interface TestStack {
    stack: Stack;
    /** Destroys the stack, removes it and its file, and takes the bench down even if that failed. */
    cleanup(): Promise<void>;
}

/** Removes whatever a test left of a stack it drove through the command line: stack, file, bench. */
export async function removeTestStack(name: string): Promise<void> {
    if (fs.existsSync(stackFilePath(name))) {
        const stack = await openLabStack(name).catch(() => undefined);
        await stack?.destroy().catch(() => undefined);
        await stack?.workspace.removeStack(name, { force: true }).catch(() => undefined);
    }
    fs.rmSync(stackFilePath(name), { force: true });
    forgetConverged(name);
    await benchDown(name).catch(() => undefined);
}

export async function createTestStack(options: TestLabOptions, log: (line: string) => void = () => undefined): Promise<TestStack> {
    writeStackFile(options.name, testLab(options));
    const stack = await openLabStack(options.name);
    const cleanup = async () => {
        await stack.destroy().catch((error: Error) => log(`destroy failed: ${error.message}`));
        await stack.workspace.removeStack(stack.name).catch(() => undefined);
        fs.rmSync(stackFilePath(options.name), { force: true });
        forgetConverged(options.name);
        await benchDown(options.name).catch(() => undefined);
    };
    return { stack, cleanup };
}

/** Opens the test's stack and cleans it up when the test ends. */
export async function openTestStack(t: ExecutionContext, options: TestLabOptions): Promise<Stack> {
    const { stack, cleanup } = await createTestStack(options, (line) => t.log(line));
    t.teardown(cleanup);
    return stack;
}

/** Runs a command in one of the bench's hosts' network namespace (not its file system), not through SSH. */
export async function inHost(benchName: string, hostName: string, command: string[]): Promise<string> {
    const { execFile } = await import("child_process");
    const status = await benchStatus(benchName);
    const host = status.hosts.find((h) => h.name === hostName);
    if (!host) throw new Error(`bench ${benchName} has no host ${hostName}`);
    return new Promise((resolve, reject) =>
        execFile("ip", ["netns", "exec", host.namespace, ...command], (error, stdout, stderr) => (error ? reject(new Error(`${command.join(" ")}: ${stderr}`)) : resolve(stdout))),
    );
}

/** Runs a command on one of the bench's hosts over SSH, with the bench's key and pinned host keys. */
export async function onHost(benchName: string, hostName: string, command: string[]): Promise<string> {
    const { execFile } = await import("child_process");
    const status = await benchStatus(benchName);
    const host = status.hosts.find((h) => h.name === hostName);
    if (!host) throw new Error(`bench ${benchName} has no host ${hostName}`);
    const options = ["-i", status.privateKeyPath, "-o", `UserKnownHostsFile=${status.knownHostsPath}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"];
    return new Promise((resolve, reject) =>
        execFile("ssh", [...options, `${host.user}@${host.managementAddress}`, "--", ...command], (error, stdout, stderr) =>
            error ? reject(new Error(`${hostName}: ${command.join(" ")}: ${stderr}`)) : resolve(stdout),
        ),
    );
}
