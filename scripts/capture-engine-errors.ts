// Captures how the pinned engine and the Automation API report a provider's error, for the coded
// line's parser tests (test/errors/engine-text.test.ts). Run it again after a Pulumi upgrade:
//   flock /run/mptcp-lab-dev-integration.lock node -r ts-node/register/transpile-only scripts/capture-engine-errors.ts
// It drives test/fixtures/error-project: a dynamic resource whose create fails, one whose read
// fails (seen by `up --refresh` and by a refresh preview, as drift runs it), and a
// @pulumi/command step whose script prints a coded line and fails. Writes
// test/fixtures/engine-errors.json: for each case, the exception's message and the engine's error
// diagnostics.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { CodedError, forEngine } from "../errors";
import { openStack } from "../toolchain/workspace";

const workDir = path.resolve(__dirname, "../test/fixtures/error-project");
const output = path.resolve(__dirname, "../test/fixtures/engine-errors.json");

const unreachable = new CodedError("ssh-connect", "client: read host facts: cannot connect to root@198.19.6.10:22: connect ECONNREFUSED 198.19.6.10:22", {
    host: "client",
    step: "read host facts",
});
const stepFailed = new CodedError("remote-step-failed", "server: enable MPTCP: exited with 1: sysctl: cannot stat /proc/sys/net/mptcp/enabled\nsecond line of output", {
    host: "server",
    step: "enable MPTCP",
});
const commandScript = [
    "printf 'building\\n'",
    `printf '%s %s\\n' '[mptcp-lab:iperf3-source-unavailable host=client step="build iperf3 3.21" value=3.99]' 'client: build iperf3 3.21: exited with 3: tag 3.99 does not exist' >&2`,
    "exit 3",
].join("\n");

interface Capture {
    case: string;
    exception: string;
    diagnostics: string[];
}

async function capture(name: string, work: (onEvent: (event: EngineEvent) => void) => Promise<unknown>): Promise<Capture> {
    const events: EngineEvent[] = [];
    try {
        await work((event) => events.push(event));
    } catch (error) {
        const diagnostics = events.flatMap((event) => (event.diagnosticEvent?.severity === "error" ? [event.diagnosticEvent.message] : []));
        return { case: name, exception: (error as Error).message, diagnostics };
    }
    throw new Error(`${name}: expected a failure`);
}

async function main(): Promise<void> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-errors-"));
    const marker = path.join(scratch, "fail-read");
    const stack: Stack = await openStack({ workDir, stackName: `error-proof-${process.pid}` });
    const captures: Capture[] = [];
    try {
        const base = { readMarker: { value: marker }, readError: { value: (forEngine(unreachable) as Error).message } };
        await stack.setAllConfig({ ...base, createError: { value: (forEngine(stepFailed) as Error).message }, commandScript: { value: commandScript } });
        captures.push(await capture("create fails (dynamic provider) and a command step fails (@pulumi/command local.Command)", (onEvent) => stack.up({ onEvent, color: "never" })));
        await stack.setAllConfig(base);
        await stack.removeConfig("createError");
        await stack.removeConfig("commandScript");
        await stack.up({ color: "never" });
        fs.writeFileSync(marker, "");
        captures.push(await capture("read fails in a refresh preview (as drift runs it)", (onEvent) => stack.preview({ onEvent, refresh: true, color: "never" })));
        captures.push(await capture("read fails in up --refresh", (onEvent) => stack.up({ onEvent, refresh: true, color: "never" })));
        fs.rmSync(marker);
    } finally {
        fs.rmSync(marker, { force: true });
        await stack.destroy({ color: "never" }).catch(() => undefined);
        await stack.workspace.removeStack(stack.name).catch(() => undefined);
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    const pinned = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string };
    const scrubbed = JSON.stringify({ pulumi: pinned.version, captures }, null, 2).replaceAll(scratch, "/tmp/mptcp-lab-errors-XXXXXX").replaceAll(String(process.pid), "PID");
    fs.writeFileSync(output, `${scrubbed}\n`);
    process.stdout.write(`wrote ${captures.length} captures to ${output}\n`);
}

main().catch((error: unknown) => {
    process.stderr.write(`capture failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
});
