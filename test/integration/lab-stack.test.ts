// The lab stack end to end on an emulated bench of its own, through the real engine: provision,
// failover results, idempotence, real iperf3 source builds at upstream tags from the controller's
// mirror of https://github.com/esnet/iperf.git, a rotated key, and the bad paths.
import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent, Stack, UpResult } from "@pulumi/pulumi/automation";
import { PassThrough } from "stream";
import { benchStatus } from "../../bench";
import { main } from "../../cli/main";
import type { FailoverRun } from "../../failover";
import { iperf3ScriptHelpers } from "../../components/iperf3";
import { parseKeyValues, scriptWithArguments } from "../../remote/shell";
import { runRemote } from "../../remote/ssh";
import { mirrorPath } from "../../toolchain/git-mirror";
import { createTestStack, inHost, onHost, TestLabOptions, testLab, TestStack, writeStackFile } from "./lab-harness";

const upstream = "https://github.com/esnet/iperf.git";
const sourceLab = (tag: string, mptcp = "native", changes: Partial<TestLabOptions> = {}): TestLabOptions => ({ ...lab, iperf3: { source: { repository: upstream, tag }, mptcp }, ...changes });
const lab: TestLabOptions = { name: "t-lab", index: 5 };
let testStack: TestStack;
let stack: Stack;
let firstUp: UpResult;

/** Runs `up` as `mptcp-lab up` does (refresh first) and lists the resources it changed, as `op name`. */
async function upCollectingChanges(target: Stack): Promise<{ result: UpResult; changed: string[] }> {
    const changed: string[] = [];
    const onEvent = (event: EngineEvent) => {
        const metadata = event.resOutputsEvent?.metadata;
        // Dynamic providers receive the stack's config, so their provider updates with the lab;
        // components only pass their children's outputs on.
        const custom = metadata && !metadata.type.startsWith("pulumi:providers:") && !metadata.type.startsWith("mptcp-lab:");
        if (!custom || metadata.op === "same" || metadata.op === "refresh") return;
        // A replacement is reported in three steps (create, replace, delete): one change.
        const op = ["create-replacement", "delete-replaced"].includes(metadata.op) ? "replace" : metadata.op;
        changed.push(`${op} ${metadata.urn.split("::").pop()}`);
    };
    return { result: await target.up({ onEvent, refresh: true }), changed: [...new Set(changed)].sort() };
}

const failoverOf = (result: UpResult) => result.outputs.failover.value as { runId: string; mptcp: FailoverRun; control: FailoverRun };

async function linksUp(hostName: string): Promise<boolean> {
    const links = JSON.parse(await inHost(lab.name, hostName, ["ip", "-j", "link", "show"])) as { ifname: string; flags: string[] }[];
    return ["eth0", "wlan0"].every((name) => links.find((link) => link.ifname === name)?.flags.includes("UP"));
}

test.before(async () => {
    testStack = await createTestStack(lab);
    stack = testStack.stack;
    writeStackFile(lab.name, testLab(sourceLab("3.20")));
    firstUp = await stack.up();
});

test.after.always(async () => {
    await testStack?.cleanup();
});

test.serial("up from nothing builds iperf3 from upstream on both hosts and shows MPTCP carrying the connection through the failure", (t) => {
    t.is(firstUp.summary.result, "succeeded");
    const { versions } = firstUp.outputs.failover.value as { versions: { iperf3: Record<string, string>; commit: Record<string, string> } };
    for (const host of ["client", "server"]) {
        t.regex(versions.iperf3[host], /^iperf 3\.20 /);
        t.is(versions.commit[host], tagCommit("3.20"));
    }
    t.is(failoverOf(firstUp).mptcp.mode, "native", "iperf3 --mptcp, as in the seed");
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

/** `mptcp-lab up --stack t-lab` with its exit code and the number of updates in the stack's history. */
async function cliUp(...options: string[]): Promise<{ code: number; updates: number }> {
    const code = await main(["up", "--stack", lab.name, "--no-table", ...options], { stdout: new PassThrough(), stderr: new PassThrough(), environment: {} });
    return { code, updates: (await stack.history()).length };
}

test.serial("mptcp-lab up of a converged stack reads the hosts and leaves the engine out; any drift brings it back", async (t) => {
    const recorded = await cliUp();
    t.is(recorded.code, 0);
    const state = JSON.stringify((await stack.exportStack()).deployment.resources);
    const converged = await cliUp();
    t.is(converged.code, 0);
    t.is(converged.updates, recorded.updates, "no engine run: the history has no new update");
    t.is(JSON.stringify((await stack.exportStack()).deployment.resources), state, "the state is untouched");

    await inHost(lab.name, "client", ["ip", "mptcp", "endpoint", "flush"]);
    const repaired = await cliUp();
    t.is(repaired.code, 0);
    t.is(repaired.updates, converged.updates + 1, "the refresh saw the flushed table and the engine ran");
    t.like(JSON.parse(await inHost(lab.name, "client", ["ip", "-j", "mptcp", "endpoint", "show"])), [{ address: "198.18.5.173", dev: "wlan0", subflow: true }]);

    t.is((await cliUp()).updates, repaired.updates, "converged again after the repair");
    t.is((await cliUp("--full")).updates, repaired.updates + 1, "--full always runs the engine");
});

/** The commit a tag of the controller's mirror points at. */
function tagCommit(tag: string): string {
    return execFileSync("git", ["--git-dir", mirrorPath(upstream), "rev-parse", `${tag}^{commit}`]).toString().trim();
}

const installedVersion = async (host: string) => (await onHost(lab.name, host, ["/usr/local/bin/iperf3", "--version"])).split("\n")[0];

/** The build's log on a host changes only when a build runs. */
const makeLogTime = async (host: string) => (await onHost(lab.name, host, ["stat", "-c", "%Y.%N", "/usr/local/src/mptcp-lab/iperf3/make.log"])).trim();

test.serial("changing the tag from 3.20 to 3.21 rebuilds iperf3 only, and re-runs the failover test", async (t) => {
    writeStackFile(lab.name, testLab(sourceLab("3.21")));
    const { result, changed } = await upCollectingChanges(stack);
    t.deepEqual(changed, ["replace client-iperf3-install", "replace server-iperf3-install", "update failover-run"]);
    for (const host of ["client", "server"]) {
        t.regex(await installedVersion(host), /^iperf 3\.21 /);
        const help = await onHost(lab.name, host, ["iperf3", "--help"]);
        t.true(help.includes("-m, --mptcp"), `${host}: the iperf3 on PATH offers --mptcp`);
    }
    t.true(failoverOf(result).mptcp.summary.mptcpVerified, "the native build runs MPTCP");
    const again = await upCollectingChanges(stack);
    t.deepEqual(again.changed, [], "no rebuild on a second up");
});

test.serial("the --mptcp check on the 3.21 build answers the same in 200 runs in a row (no SIGPIPE race)", async (t) => {
    const status = await benchStatus(lab.name);
    const host = status.hosts.find((candidate) => candidate.name === "client")!;
    const connection = { address: host.managementAddress, port: host.sshPort, user: host.user, privateKey: fs.readFileSync(status.privateKeyPath, "utf8"), hostKey: host.hostKey };
    const script = scriptWithArguments(
        `${iperf3ScriptHelpers}
misses=0 piped_misses=0
for _ in $(seq 200); do
    offers_mptcp /usr/local/bin/iperf3 || misses=$((misses + 1))
    # The old check, for comparison: a pipe ending in grep -q under pipefail.
    /usr/local/bin/iperf3 --help 2>&1 | grep -q -- --mptcp || piped_misses=$((piped_misses + 1))
done
echo "misses=$misses"
echo "piped_misses=$piped_misses"
`,
        [],
    );
    const values = parseKeyValues((await runRemote(connection, { host: "client", step: "check --mptcp 200 times", script })).stdout);
    t.log(`the old piped check missed --mptcp ${values.piped_misses} time(s) in 200`);
    t.is(values.misses, "0");
});

test.serial("a new client key only updates the stored connection: no replacement, no build, no new test", async (t) => {
    const status = await benchStatus(lab.name);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-key-"));
    t.teardown(() => fs.rmSync(scratch, { recursive: true, force: true }));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rotated", "-f", path.join(scratch, "key")]);
    const publicKey = fs.readFileSync(path.join(scratch, "key.pub"), "utf8").trim();
    for (const host of ["client", "server"]) await onHost(lab.name, host, [`echo '${publicKey}' >> ~/.ssh/authorized_keys`]);
    const buildsBefore = await makeLogTime("client");
    const runBefore = (await stack.outputs()).failover.value.runId as string;
    fs.copyFileSync(path.join(scratch, "key"), status.privateKeyPath);
    fs.copyFileSync(path.join(scratch, "key.pub"), `${status.privateKeyPath}.pub`);
    await stack.refresh();
    const { result, changed } = await upCollectingChanges(stack);
    t.false(changed.some((change) => !change.startsWith("update ")), changed.join(", "));
    t.false(changed.includes("update failover-run"), "the failover test does not run again");
    t.true(changed.includes("update client-iperf3-install"), "the stored connection of the build changed");
    t.is(await makeLogTime("client"), buildsBefore, "nothing was rebuilt");
    t.is(failoverOf(result).runId, runBefore, "the failover result is the one from before the rotation");
});

test.serial("tag 3.18 predates --mptcp: with mptcp native the lab is refused before anything is built", async (t) => {
    writeStackFile(lab.name, testLab(sourceLab("3.18")));
    const error = await t.throwsAsync(stack.up());
    t.regex(error.message, /Pulumi\.t-lab\.yaml:\d+:\d+ error iperf3-tag-too-old iperf3\.source\.tag: 3\.18 predates iperf3's --mptcp/);
    t.true((await linksUp("client")) && (await linksUp("server")));
    t.regex(await installedVersion("client"), /^iperf 3\.21 /, "the rejected build was not installed");
});

test.serial("tag 3.18 with mptcp auto installs and runs under mptcpize", async (t) => {
    writeStackFile(lab.name, testLab(sourceLab("3.18", "auto")));
    const { result } = await upCollectingChanges(stack);
    t.regex(await installedVersion("server"), /^iperf 3\.18 /);
    const { mptcp } = failoverOf(result);
    t.is(mptcp.mode, "mptcpize");
    t.true(mptcp.summary.mptcpVerified, "mptcpize gave the old iperf3 MPTCP");
});

test.serial("a tag that does not exist fails clearly, naming the host, the step and the tags there are", async (t) => {
    writeStackFile(lab.name, testLab(sourceLab("3.99")));
    const error = await t.throwsAsync(stack.up());
    t.regex(error.message, /(client|server): build iperf3 3\.99 from https:\/\/github\.com\/esnet\/iperf\.git: exited with 3: tag 3\.99 does not exist in https:\/\/github\.com\/esnet\/iperf\.git \(newest tags: .*3\.21/);
    t.regex(await installedVersion("server"), /^iperf 3\.18 /, "what was installed stays");
});

test.serial("a host with Debian's iperf3 installed first still ends up running the 3.21 build with --mptcp", async (t) => {
    // Debian's libiperf0 has the same soname as the build's library: the FIELD-NOTES pitfall.
    await onHost(lab.name, "client", ["sudo", "-n", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "--no-install-recommends", "iperf3"]);
    writeStackFile(lab.name, testLab(sourceLab("3.21")));
    const { result } = await upCollectingChanges(stack);
    const onPath = (await onHost(lab.name, "client", ["iperf3", "--version"])).split("\n")[0];
    t.regex(onPath, /^iperf 3\.21 /);
    t.true((await onHost(lab.name, "client", ["iperf3", "--help"])).includes("-m, --mptcp"));
    t.is(failoverOf(result).mptcp.mode, "native");
});

test.serial("a hand-replaced iperf3 is rebuilt by the next up", async (t) => {
    // Overwritten in place, so it stays executable; the remote shell runs the redirection.
    await onHost(lab.name, "server", ["printf", "'#!/bin/sh\\necho iperf 3.9 built by hand\\n'", "|", "sudo", "-n", "tee", "/usr/local/bin/iperf3", ">/dev/null"]);
    t.is(await installedVersion("server"), "iperf 3.9 built by hand");
    await stack.refresh();
    const { changed } = await upCollectingChanges(stack);
    t.true(changed.includes("replace server-iperf3-install"), changed.join(", "));
    t.false(changed.includes("replace client-iperf3-install"));
    t.regex(await installedVersion("server"), /^iperf 3\.21 /);
    const after = await upCollectingChanges(stack);
    t.deepEqual(after.changed, [], "the up after the rebuild changes nothing");
});

test.serial("a failed apt install names the host and the step, and the next up converges", async (t) => {
    writeStackFile(lab.name, testLab({ ...sourceLab("3.21"), hosts: { client: { headers: "no-such-headers-package" } } }));
    const error = await t.throwsAsync(stack.up());
    t.regex(error.message, /client: install kernel headers, git and build-essential: exited with 3: no headers package .* tried no-such-headers-package/);
    t.true(await linksUp("client"));
    writeStackFile(lab.name, testLab(sourceLab("3.21")));
    t.is((await stack.up()).summary.result, "succeeded");
});

test.serial("a failover test whose server is gone fails naming the client and leaves the failing link up", async (t) => {
    // The server's eth0 disappears from the lab LAN, so the client has nothing to connect to.
    await inHost(lab.name, "server", ["ip", "link", "set", "eth0", "down"]);
    t.teardown(() => inHost(lab.name, "server", ["ip", "link", "set", "eth0", "up"]).then(() => undefined));
    writeStackFile(lab.name, testLab({ ...sourceLab("3.21"), failover: { runToken: "server-gone" } }));
    const error = await t.throwsAsync(stack.up());
    t.regex(error.message, /client: run iperf3 \(native\) against server at 198\.18\.5\.218: no data moved/);
    t.true(await linksUp("client"), "the client's wlan0 is up again");
    await inHost(lab.name, "server", ["ip", "link", "set", "eth0", "up"]);
    const { result } = await upCollectingChanges(stack);
    t.true(failoverOf(result).mptcp.summary.survived, "with the server back, the next up converges");
});
