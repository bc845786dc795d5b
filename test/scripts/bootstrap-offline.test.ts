// A machine with neither the offline sources nor the internet: the bootstrap names the archive it
// needs, its sha256 and where to put it, and stops (no download is attempted: curl is a stand-in
// that fails as an unreachable host does).
import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pinnedSha256s } from "../../toolchain/offline-sources";
import { readPinnedVersions, repositoryRoot } from "../../toolchain";

test("without offline sources or internet the bootstrap names the missing archive and exits 1", (t) => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-offline-"));
    t.teardown(() => fs.rmSync(scratch, { recursive: true, force: true }));
    for (const dir of ["bin", "offline", "cache"]) fs.mkdirSync(path.join(scratch, dir));
    fs.writeFileSync(path.join(scratch, "bin", "curl"), '#!/bin/sh\necho "curl: (6) Could not resolve host" >&2\nexit 6\n', { mode: 0o755 });
    const result = spawnSync("bash", [path.join(repositoryRoot, "scripts", "bootstrap.sh")], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`, XDG_CACHE_HOME: path.join(scratch, "cache"), MPTCP_LAB_OFFLINE_SOURCES: path.join(scratch, "offline") },
    });
    const archive = `pulumi-v${readPinnedVersions().PULUMI_VERSION}-language-nodejs.tar.gz`;
    t.is(result.status, 1, result.stderr);
    t.true(result.stderr.includes(`needs the upstream archive ${archive} (sha256 ${pinnedSha256s()[archive]})`), result.stderr);
    t.true(result.stderr.includes(`hint: put ${archive} in ${path.join(scratch, "offline")} and set MPTCP_LAB_OFFLINE_SOURCES=`), result.stderr);
    t.false(/\n\s+at /.test(result.stderr), "no stack trace");
});

test("without offline sources or internet a toolchain built on an earlier run serves as it is", (t) => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-offline-"));
    t.teardown(() => fs.rmSync(scratch, { recursive: true, force: true }));
    for (const dir of ["bin", "offline"]) fs.mkdirSync(path.join(scratch, dir));
    fs.writeFileSync(path.join(scratch, "bin", "curl"), '#!/bin/sh\necho "curl: (6) Could not resolve host" >&2\nexit 6\n', { mode: 0o755 });
    // This run's own toolchain, which `npm test` bootstrapped before the tests.
    const result = spawnSync("bash", [path.join(repositoryRoot, "scripts", "bootstrap.sh")], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`, MPTCP_LAB_OFFLINE_SOURCES: path.join(scratch, "offline") },
    });
    t.is(result.status, 0, result.stderr);
    t.false(/building|installing Pulumi/.test(result.stderr), result.stderr);
});
