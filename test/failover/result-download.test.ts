import test from "ava";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { maxListingBytes, parseResultListing, RESULT_FILE_LIMITS, ResultDownloadError, resultFileNames, saveResultFiles, type ResultFileLimits, type ResultFileRefusal } from "../../failover";

const NAMES = Object.values(resultFileNames);
const line = (name: string, content: string) => `${name} ${Buffer.from(content).toString("base64")}\n`;

test("the expected files are taken and decoded, and a missing one is simply absent", (t) => {
    const files = parseResultListing(line("client.json", '{"start":{}}') + line("link-events", "1 down wlan0\n") + "meta.json \n", "client", NAMES);
    t.deepEqual(files, { "client.json": '{"start":{}}', "link-events": "1 down wlan0\n", "meta.json": "" });
    t.deepEqual(parseResultListing("", "client", NAMES), {});
});

const refused = test.macro({
    exec(t, listing: string, refusal: ResultFileRefusal, limits: ResultFileLimits = RESULT_FILE_LIMITS) {
        const error = t.throws(() => parseResultListing(listing, "server", NAMES, limits), { instanceOf: ResultDownloadError });
        t.is(error?.code, "FAILOVER_RESULT_REFUSED");
        t.is(error?.refusal, refusal);
        t.is(error?.host, "server");
        t.regex(error?.message ?? "", /^server: download failover results: refused /);
    },
    title: (what, _listing: string, refusal: ResultFileRefusal, _limits?: ResultFileLimits) => `a listing with ${what ?? ""} is refused as ${refusal}, naming the host`,
});

test("a parent-directory path", refused, line("../../../root/.ssh/authorized_keys", "ssh-ed25519 AAAA attacker"), "path-in-name");
test("an absolute path", refused, line("/etc/cron.d/mptcp-lab", "* * * * * root reboot"), "path-in-name");
test("an expected name followed by a path", refused, line("client.json/../../../etc/passwd", "x"), "path-in-name");
test("an expected name inside a folder", refused, line("results/client.json", "{}"), "path-in-name");
test("a backslash path", refused, line("..\\..\\x", "x"), "path-in-name");
test("the name ..", refused, line("..", "x"), "path-in-name");
test("a NUL byte in the name", refused, line("client.json\0x", "{}"), "path-in-name");
test("a plain name that is not a result", refused, line("authorized_keys", "x"), "unexpected-name");
test("a hidden file", refused, line(".bashrc", "reboot"), "unexpected-name");
test("an expected name in other case", refused, line("CLIENT.JSON", "{}"), "unexpected-name");
test("an expected name with a carriage return", refused, `client.json\r ${Buffer.from("{}").toString("base64")}\n`, "unexpected-name");
test("the same file twice", refused, line("meta.json", "{}") + line("meta.json", '{"mode":"tcp"}'), "repeated-name");
test("content that is not base64", refused, "client.json {not base64}\n", "not-base64");
test("a second field after the content", refused, `client.json ${Buffer.from("{}").toString("base64")} ../x\n`, "not-base64");
test("a file above the per-file limit", refused, line("client.json", "x".repeat(2000)), "file-too-large", { fileBytes: 1000, totalBytes: 10_000 });
test("files above the total limit", refused, line("client.json", "x".repeat(800)) + line("server.json", "x".repeat(800)), "total-too-large", { fileBytes: 1000, totalBytes: 1500 });

test("the listing bound covers every file at the total limit, and no more than a third above it", (t) => {
    const bound = maxListingBytes(NAMES);
    t.true(bound >= (RESULT_FILE_LIMITS.totalBytes / 3) * 4);
    t.true(bound < RESULT_FILE_LIMITS.totalBytes * 1.4);
});

function temporaryDir(t: import("ava").ExecutionContext): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-results-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

test("result files are written into the run's folder and nowhere else", (t) => {
    const root = temporaryDir(t);
    const dir = path.join(root, "run", "mptcp");
    saveResultFiles(dir, { "client.json": "{}", "link-events": "" }, NAMES);
    t.deepEqual(fs.readdirSync(dir).sort(), ["client.json", "link-events"]);
    t.deepEqual(fs.readdirSync(root), ["run"]);
});

test("a name that is not a result file is never written, even by the controller's own mistake", (t) => {
    const root = temporaryDir(t);
    const dir = path.join(root, "run");
    const error = t.throws(() => saveResultFiles(dir, { "../escaped": "x" }, [...NAMES, "../escaped"]), { instanceOf: ResultDownloadError });
    t.is(error?.refusal, "unexpected-name");
    t.false(fs.existsSync(path.join(root, "escaped")));
});

test("a symbolic link left in the results folder is not followed", (t) => {
    const root = temporaryDir(t);
    const dir = path.join(root, "run");
    fs.mkdirSync(dir);
    const outside = path.join(root, "outside");
    fs.writeFileSync(outside, "untouched");
    fs.symlinkSync(outside, path.join(dir, "client.json"));
    t.throws(() => saveResultFiles(dir, { "client.json": "overwritten" }, NAMES), { code: "ELOOP" });
    t.is(fs.readFileSync(outside, "utf8"), "untouched");
});
