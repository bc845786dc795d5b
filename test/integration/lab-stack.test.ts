// The lab stack end to end on an emulated bench of its own, through the real engine: provision,
// failover results, idempotence, source builds at pinned tags, and the bad paths.
import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent, Stack, UpResult } from "@pulumi/pulumi/automation";
import { offerGitRepository } from "../../bench";
import type { FailoverRun } from "../../failover";
import { createTestStack, inHost, onHost, TestLabOptions, testLab, TestStack, writeStackFile } from "./lab-harness";

const lab: TestLabOptions = { name: "t-lab", index: 5 };
let testStack: TestStack;
let stack: Stack;
let firstUp: UpResult;

/** Runs `up` and lists the resources it changed, as `op name`. */
async function upCollectingChanges(target: Stack): Promise<{ result: UpResult; changed: string[] }> {
    const changed: string[] = [];
    const onEvent = (event: EngineEvent) => {
        const metadata = event.resOutputsEvent?.metadata;
        // Dynamic providers receive the stack's config, so their provider updates with the lab.
        if (metadata && metadata.op !== "same" && !metadata.type.startsWith("pulumi:providers:")) changed.push(`${metadata.op} ${metadata.urn.split("::").pop()}`);
    };
    return { result: await target.up({ onEvent }), changed: changed.sort() };
}

const failoverOf = (result: UpResult) => result.outputs.failover.value as { runId: string; mptcp: FailoverRun; control: FailoverRun };

async function linksUp(hostName: string): Promise<boolean> {
    const links = JSON.parse(await inHost(lab.name, hostName, ["ip", "-j", "link", "show"])) as { ifname: string; flags: string[] }[];
    return ["eth0", "wlan0"].every((name) => links.find((link) => link.ifname === name)?.flags.includes("UP"));
}

test.before(async () => {
    testStack = await createTestStack(lab);
    stack = testStack.stack;
    firstUp = await stack.up();
});

test.after.always(async () => {
    await testStack?.cleanup();
});

test.serial("up from nothing provisions both hosts and shows MPTCP carrying the connection through the failure", (t) => {
    t.is(firstUp.summary.result, "succeeded");
    const { mptcp, control } = failoverOf(firstUp);
    t.true(mptcp.summary.survived, "the MPTCP connection survived wlan0 going down");
    t.true(mptcp.summary.mptcpVerified, "the kernel saw subflows join");
    t.true(mptcp.summary.subflowsJoined >= 1);
    t.not(mptcp.summary.linkDownAt, null, "the link-down time was recorded");
    t.true(control.summary.stallSeconds > mptcp.summary.stallSeconds, "plain TCP over the failing path stalls longer");
    const facts = firstUp.outputs.hostFacts.value as Record<string, { mptcpEnabled: boolean; osCodename: string }>;
    t.true(facts.client.mptcpEnabled && facts.server.mptcpEnabled);
});

test.serial("the hosts' own endpoint tables and limits match the stack", async (t) => {
    const client = JSON.parse(await inHost(lab.name, "client", ["ip", "-j", "mptcp", "endpoint", "show"]));
    const server = JSON.parse(await inHost(lab.name, "server", ["ip", "-j", "mptcp", "endpoint", "show"]));
    t.like(client, [{ address: "198.18.5.173", dev: "wlan0", subflow: true }]);
    t.is(client.length, 1);
    t.like(server, [{ address: "198.18.5.237", dev: "wlan0", signal: true }]);
    t.is(server.length, 1);
    t.regex(await inHost(lab.name, "client", ["ip", "mptcp", "limits", "show"]), /add_addr_accepted 2 subflows 2/);
    t.true((await linksUp("client")) && (await linksUp("server")), "every link is up after the test");
});

test.serial("a second up changes nothing and does not re-run the failover test", async (t) => {
    const { result, changed } = await upCollectingChanges(stack);
    t.deepEqual(changed, []);
    t.is(failoverOf(result).runId, failoverOf(firstUp).runId);
});

/** A git repository with the fixture iperf3 at tags 9.1, 9.2 and 9.3 (the last without --mptcp). */
function fixtureRepository(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-iperf3-fixture-"));
    fs.cpSync(path.resolve(__dirname, "../fixtures/iperf3-source"), dir, { recursive: true });
    const git = (...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=fixture", "-c", "user.email=fixture@example.invalid", ...args]);
    git("init", "-q");
    for (const [tag, mptcp] of [["9.1", 1], ["9.2", 1], ["9.3", 0]] as const) {
        fs.writeFileSync(path.join(dir, "src/version.h"), `#define FIXTURE_VERSION "${tag}"\n#define FIXTURE_HAS_MPTCP ${mptcp}\n`);
        git("add", "-A");
        git("commit", "-q", "-m", `iperf3 fixture ${tag}`);
        git("tag", tag);
    }
    return dir;
}

let repository: string;
const sourceLab = (tag: string): TestLabOptions => ({ ...lab, iperf3: { source: { repository, tag }, mptcp: "native" } });

test.serial("a source build clones the tag, builds, installs, verifies and records the commit", async (t) => {
    const dir = fixtureRepository();
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    repository = await offerGitRepository(lab.name, "iperf-fixture", dir);
    writeStackFile(lab.name, testLab(sourceLab("9.1")));
    const { result, changed } = await upCollectingChanges(stack);
    t.deepEqual(changed, ["update client-iperf3-install", "update failover-run", "update server-iperf3-install"]);
    const failover = failoverOf(result);
    t.true(failover.mptcp.summary.mptcpVerified, "the native build runs MPTCP");
    const tagCommit = execFileSync("git", ["-C", dir, "rev-parse", "9.1^{commit}"]).toString().trim();
    const dependencies = (await stack.exportStack()).deployment.resources.find((r: { type: string }) => r.type.endsWith(":Iperf3Install"));
    t.is(dependencies.outputs.commit, tagCommit);
    t.is(dependencies.outputs.version, "iperf 9.1 (mptcp-lab test fixture)");
    t.is((await onHost(lab.name, "client", ["/usr/local/bin/iperf3", "--version"])).trim(), "iperf 9.1 (mptcp-lab test fixture)");

    const again = await upCollectingChanges(stack);
    t.deepEqual(again.changed, [], "no rebuild on a second up");
});

test.serial("changing the tag rebuilds iperf3 only, and re-runs the failover test", async (t) => {
    writeStackFile(lab.name, testLab(sourceLab("9.2")));
    const { changed } = await upCollectingChanges(stack);
    t.deepEqual(changed, ["update client-iperf3-install", "update failover-run", "update server-iperf3-install"]);
    t.is((await onHost(lab.name, "server", ["/usr/local/bin/iperf3", "--version"])).trim(), "iperf 9.2 (mptcp-lab test fixture)");
});

test.serial("a tag whose iperf3 lacks --mptcp fails clearly, naming host and step, with every link up", async (t) => {
    writeStackFile(lab.name, testLab(sourceLab("9.3")));
    const error = await t.throwsAsync(stack.up());
    t.regex(error.message, /(client|server): build iperf3 9\.3 from .*: exited with 8: iperf3 9\.3 built without --mptcp/);
    t.true((await linksUp("client")) && (await linksUp("server")));
    t.is((await onHost(lab.name, "client", ["/usr/local/bin/iperf3", "--version"])).trim(), "iperf 9.2 (mptcp-lab test fixture)", "the rejected build was not installed");
    writeStackFile(lab.name, testLab(sourceLab("9.2")));
    const { result } = await upCollectingChanges(stack);
    t.is(result.summary.result, "succeeded", "the next up converges");
});

test.serial("a failed apt install names the host and the step, and the next up converges", async (t) => {
    writeStackFile(lab.name, testLab({ ...sourceLab("9.2"), hosts: { client: { headers: "no-such-headers-package" } } }));
    const error = await t.throwsAsync(stack.up());
    t.regex(error.message, /client: install kernel headers, git and build-essential: exited with 3: no headers package .* tried no-such-headers-package/);
    t.true(await linksUp("client"));
    writeStackFile(lab.name, testLab(sourceLab("9.2")));
    t.is((await stack.up()).summary.result, "succeeded");
});

test.serial("a failover test whose server is gone fails naming the client and leaves the failing link up", async (t) => {
    // The server's eth0 disappears from the lab LAN, so the client has nothing to connect to.
    await inHost(lab.name, "server", ["ip", "link", "set", "eth0", "down"]);
    t.teardown(() => inHost(lab.name, "server", ["ip", "link", "set", "eth0", "up"]).then(() => undefined));
    writeStackFile(lab.name, testLab({ ...sourceLab("9.2"), failover: { runToken: "server-gone" } }));
    const error = await t.throwsAsync(stack.up());
    t.regex(error.message, /client: run iperf3 \(native\) against server at 198\.18\.5\.218: no data moved/);
    t.true(await linksUp("client"), "the client's wlan0 is up again");
    await inHost(lab.name, "server", ["ip", "link", "set", "eth0", "up"]);
    const { result } = await upCollectingChanges(stack);
    t.true(failoverOf(result).mptcp.summary.survived, "with the server back, the next up converges");
});
