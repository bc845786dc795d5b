// The pinned engine end to end through the Automation API: preview, up, a no-op up, drift seen
// by refresh, destroy. Runs against the real CLI and language host that bootstrap provides.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
    t.is(preview.changeSummary.create, 2, "the stack and the file are to be created");
    t.false(fs.existsSync(target), "a preview changes nothing");

    const first = await stack.up();
    t.is(first.summary.result, "succeeded");
    t.is(first.outputs.length.value, 14);
    t.is(fs.readFileSync(target, "utf8"), "hello, subflow");

    const second = await stack.up();
    t.deepEqual(second.summary.resourceChanges, { same: 2 }, "a second up changes nothing");

    fs.writeFileSync(target, "edited by hand");
    const refresh = await stack.refresh();
    t.is(refresh.summary.resourceChanges?.update, 1, "refresh sees the hand edit through the provider's read");
    const state = await stack.exportStack();
    const file = state.deployment.resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/engine-proof:LocalFile");
    t.is(file.outputs.content, "edited by hand", "the refreshed state holds what the machine has");

    const repaired = await stack.up();
    t.is(repaired.summary.resourceChanges?.update, 1, "the next up puts the declared content back");
    t.is(fs.readFileSync(target, "utf8"), "hello, subflow");

    const destroyed = await stack.destroy();
    t.is(destroyed.summary.resourceChanges?.delete, 2);
    t.false(fs.existsSync(target));
});
