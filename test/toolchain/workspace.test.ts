// Which stacks the local file backend holds, read from its checkpoint files without the CLI.
import test, { type ExecutionContext } from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackInFileBackend } from "../../toolchain/file-backend";

function backendWith(t: ExecutionContext, files: readonly string[]): { backendUrl: string; workDir: string } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-backend-"));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    const workDir = path.join(root, "project");
    fs.mkdirSync(workDir);
    fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: mptcp-lab\nruntime: nodejs\n");
    const stacks = path.join(root, "state", ".pulumi", "stacks", "mptcp-lab");
    fs.mkdirSync(stacks, { recursive: true });
    for (const file of files) fs.writeFileSync(path.join(stacks, file), "{}");
    return { backendUrl: `file://${path.join(root, "state")}`, workDir };
}

test("a stack with a checkpoint in the file backend exists", (t) => {
    const { backendUrl, workDir } = backendWith(t, ["lab.json", "zipped.json.gz"]);
    t.true(stackInFileBackend(backendUrl, workDir, "lab"));
    t.true(stackInFileBackend(backendUrl, workDir, "zipped"));
});

test("a removed stack (only its backup left) or another project's stack does not exist", (t) => {
    const { backendUrl, workDir } = backendWith(t, ["gone.json.bak"]);
    t.false(stackInFileBackend(backendUrl, workDir, "gone"));
    fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: other-project\n");
    fs.writeFileSync(path.join(backendUrl.slice("file://".length), ".pulumi", "stacks", "mptcp-lab", "lab.json"), "{}");
    t.false(stackInFileBackend(backendUrl, workDir, "lab"));
});

test("another backend is left to the CLI", (t) => {
    const { workDir } = backendWith(t, []);
    t.is(stackInFileBackend("https://api.pulumi.com", workDir, "lab"), undefined);
});
