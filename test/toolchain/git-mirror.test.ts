// The controller's mirror of iperf3's repository: seeded from the offline sources' bundle (checked
// against its pinned sha256), kept in the cache, answering for the lab's URL.
import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureMirror, GitMirrorError, mirrorName } from "../../toolchain/git-mirror";
import { offlineArchive, offlineSourcesDir, OfflineSourceError } from "../../toolchain/offline-sources";

const upstream = "https://github.com/esnet/iperf.git";
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-mirror-"));
test.after.always(() => fs.rmSync(scratch, { recursive: true, force: true }));

const git = (gitDir: string, ...args: string[]) => execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8" }).trim();

test("a repository URL gets a served name from its owner and name", (t) => {
    t.is(mirrorName(upstream), "esnet-iperf");
    t.is(mirrorName("git://198.19.0.1/iperf"), "iperf");
});

test("a mirror is seeded from the offline bundle, answers for the lab's URL, then comes from the cache", async (t) => {
    // Under CI the offline sources are a prerequisite: a missing directory fails here.
    t.truthy(offlineSourcesDir(), "no offline sources directory: set MPTCP_LAB_OFFLINE_SOURCES");
    const target = path.join(scratch, "esnet-iperf.git");
    const first = await ensureMirror(upstream, "3.21", target);
    t.is(first.source, "bundle");
    t.is(git(target, "rev-parse", "3.21^{commit}").slice(0, 12), "d39cf4152662", "tag 3.21 is upstream's commit");
    t.is(git(target, "remote", "get-url", "origin"), upstream);
    t.is((await ensureMirror(upstream, "3.20", target)).source, "cache", "a tag the mirror has needs nothing");
});

test("an archive whose sha256 is not the pinned one is refused", async (t) => {
    const dir = fs.mkdtempSync(path.join(scratch, "offline-"));
    fs.writeFileSync(path.join(dir, "esnet-iperf.bundle"), "not the upstream bundle");
    const error = await t.throwsAsync(offlineArchive("esnet-iperf.bundle", dir), { instanceOf: OfflineSourceError });
    t.is(error.code, "offline-source-mismatch");
});

test("a directory without the archive offers nothing", async (t) => {
    t.is(await offlineArchive("esnet-iperf.bundle", fs.mkdtempSync(path.join(scratch, "empty-"))), undefined);
});

test("a tag missing from a mirror that cannot be refreshed names the tags the mirror has", async (t) => {
    const target = path.join(scratch, "tagged.git");
    const work = fs.mkdtempSync(path.join(scratch, "work-"));
    const inWork = (...args: string[]) => execFileSync("git", ["-C", work, "-c", "user.name=lab", "-c", "user.email=lab@example.invalid", ...args]);
    inWork("init", "-q");
    inWork("commit", "-q", "--allow-empty", "-m", "first");
    inWork("tag", "3.9");
    inWork("tag", "3.10");
    execFileSync("git", ["clone", "-q", "--mirror", work, target]);
    // No offline bundle answers for this URL, and nothing serves it.
    const unreachable = `file://${path.join(scratch, "no-such-upstream.git")}`;
    const error = await t.throwsAsync(ensureMirror(unreachable, "3.99", target), { instanceOf: GitMirrorError });
    t.true(error.message.startsWith(`tag 3.99 is not in this machine's mirror of ${unreachable} (newest tags there: 3.10, 3.9), and cannot mirror`), error.message);
});

test("a clone of a checkout on this machine finds the offline sources beside that checkout", (t) => {
    const machine = fs.mkdtempSync(path.join(scratch, "machine-"));
    const origin = path.join(machine, "main");
    fs.mkdirSync(path.join(machine, "shared", "vendor"), { recursive: true });
    execFileSync("git", ["init", "-q", origin]);
    const elsewhere = fs.mkdtempSync(path.join(scratch, "elsewhere-"));
    const clone = path.join(elsewhere, "clone");
    execFileSync("git", ["clone", "-q", `${origin}/.`, clone]);
    t.is(offlineSourcesDir({}, clone), path.join(machine, "shared", "vendor"));
    t.is(offlineSourcesDir({ MPTCP_LAB_OFFLINE_SOURCES: elsewhere }, clone), elsewhere, "the setting comes first");
    execFileSync("git", ["-C", clone, "remote", "set-url", "origin", "https://example.invalid/mptcp-lab.git"]);
    t.is(offlineSourcesDir({}, clone), undefined, "a remote origin has nothing beside it on this machine");
});
