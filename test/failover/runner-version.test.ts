// The failover test re-runs when RUNNER_VERSION changes, not when the script's text does: so the
// version must follow the code. This records the hash of the script's code for each version.
import test from "ava";
import { readFileSync } from "node:fs";
import { runnerCode, runnerCodeHash, runnerScriptPath, RUNNER_VERSION } from "../../failover";

/** sha256 of run-failover.sh's code (runnerCode) for each RUNNER_VERSION; add a line per bump. */
const RECORDED_CODE_HASHES: Readonly<Record<string, string>> = {
    "2": "a4fef88fe6e3f59b60a2f30e0304c6e9e804c65f91896e630930761101eaa810",
    "3": "18806b69853528c50f776a74b7d5e3281d11741d86e63ec3cbd2fc755998534a",
    "4": "c6850ae3cdcf4939030f5e8fbea84e55d0410c937bf7fb8495c05b13f09e2d24",
};

test("the runner's code is the one recorded for RUNNER_VERSION", (t) => {
    const hash = runnerCodeHash(readFileSync(runnerScriptPath, "utf8"));
    const recorded = RECORDED_CODE_HASHES[RUNNER_VERSION];
    const advice = recorded === undefined
        ? `RUNNER_VERSION ${RUNNER_VERSION} has no recorded hash: record ${hash} for it in test/failover/runner-version.test.ts`
        : `run-failover.sh's code changed (sha256 ${hash}) but RUNNER_VERSION is still ${RUNNER_VERSION}: bump RUNNER_VERSION in failover/runner.ts, then record the new hash under the new version in test/failover/runner-version.test.ts`;
    t.is(hash, recorded, advice);
});

test("each recorded version stands for different code", (t) => {
    const hashes = Object.values(RECORDED_CODE_HASHES);
    t.is(new Set(hashes).size, hashes.length);
});

const script = [
    "#!/usr/bin/env bash",
    "# What it does.",
    "",
    "set -euo pipefail # strict",
    "    echo 'a # b' # says a # b",
    'printf "%s" "$#" "${#x}"',
    "  ",
].join("\n");

test("comments, blank lines and indentation are not code", (t) => {
    t.is(runnerCode(script), ["set -euo pipefail", "echo 'a # b'", 'printf "%s" "$#" "${#x}"'].join("\n"));
});

test("an edited comment or indentation keeps the hash, an edited command changes it", (t) => {
    const base = runnerCodeHash(script);
    t.is(runnerCodeHash(script.replace("# What it does.", "# What it does, said better.").replace("    echo", "echo")), base);
    t.is(runnerCodeHash(script.replace("# strict", "# strict mode")), base);
    t.not(runnerCodeHash(script.replace("pipefail", "pipefail -x")), base);
    t.not(runnerCodeHash(script.replace("'a # b'", "'a # c'")), base, "a # inside quotes is code");
});
