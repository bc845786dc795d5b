// The pinned engine end to end through the Automation API: preview, up, a no-op up, drift seen
// by refresh, destroy. Runs against the real CLI, language host and command provider plugin that
// bootstrap provides.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { engineEnvironment, pulumiRoot, readPinnedVersions } from "../../toolchain";
import { openStack } from "../../toolchain/workspace";

const workDir = path.resolve(__dirname, "../fixtures/engine-project");

test("the pinned engine previews, creates, leaves unchanged, refreshes and destroys a stack", async (t) => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-engine-"));
    const target = path.join(scratch, "greeting.txt");
    const stack = await openStack({ workDir, stackName: `engine-proof-${process.pid}` });
    t.teardown(async () => {
        await stack.destroy().catch(() => undefined);
        await stack.workspace.removeStack(stack.name).catch(() => undefined);
        fs.rmSync(scratch, { recursive: true, force: true });
    });
    await stack.setAllConfig({ path: { value: target }, content: { value: "hello, subflow" } });

    const preview = await stack.preview();
    t.is(preview.changeSummary.create, 3, "the stack, the file and the command are to be created");
    t.false(fs.existsSync(target), "a preview changes nothing");

    const first = await stack.up();
    t.is(first.summary.result, "succeeded");
    t.is(first.outputs.length.value, 14);
    t.is(first.outputs.countedBytes.value, "14", "the local command ran through the command provider");
    t.is(fs.readFileSync(target, "utf8"), "hello, subflow");

    const second = await stack.up();
    t.deepEqual(second.summary.resourceChanges, { same: 3 }, "a second up changes nothing");

    fs.writeFileSync(target, "edited by hand");
    const refresh = await stack.refresh();
    t.is(refresh.summary.resourceChanges?.update, 1, "refresh sees the hand edit through the provider's read");
    const state = await stack.exportStack();
    const file = state.deployment.resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/engine-proof:LocalFile");
    t.is(file.outputs.content, "edited by hand", "the refreshed state holds what the machine has");

    const repaired = await stack.up();
    t.is(repaired.summary.resourceChanges?.update, 1, "the next up puts the declared content back");
    t.is(repaired.outputs.countedBytes.value, "14");
    t.is(fs.readFileSync(target, "utf8"), "hello, subflow");

    const destroyed = await stack.destroy();
    t.is(destroyed.summary.resourceChanges?.delete, 3);
    t.false(fs.existsSync(target));
});

const pinned = readPinnedVersions();
const pulumiBin = () => path.join(pulumiRoot(), "bin");

test("the language host beside the pinned CLI is the CLI's own release", (t) => {
    const version = execFileSync(path.join(pulumiBin(), "pulumi-language-nodejs"), ["--version"], { encoding: "utf8" }).trim();
    t.is(version, `v${pinned.PULUMI_VERSION}`);
});

test("the command provider plugin is installed at the version @pulumi/command expects", (t) => {
    const listing = execFileSync(path.join(pulumiBin(), "pulumi"), ["plugin", "ls", "--json"], { encoding: "utf8", env: { ...process.env, ...engineEnvironment() } });
    const plugins = JSON.parse(listing) as { name: string; kind: string; version: string }[];
    t.true(plugins.some((plugin) => plugin.kind === "resource" && plugin.name === "command" && plugin.version === pinned.COMMAND_PROVIDER_VERSION), listing);
});
