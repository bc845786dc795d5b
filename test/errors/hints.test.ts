// The one table of hints (errors/hints.ts): every code has one, no code is in two sections, and
// every code is reachable: something in the sources reports it.
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { CodedError, ERROR_CODES, hintFor } from "../../errors";
import { HINT_SECTIONS, HOST_STEP_ERROR_CODES } from "../../errors/hints";

const root = path.join(__dirname, "../..");
const SOURCE_FOLDERS = ["bench", "cli", "components", "errors", "failover", "lab", "remote"];

function sourcesUnder(folder: string): string[] {
    return fs.readdirSync(path.join(root, folder), { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts")).map((file) => path.join(root, folder, file));
}
const sources = SOURCE_FOLDERS.flatMap(sourcesUnder).filter((file) => !file.endsWith(path.join("errors", "hints.ts")));
const sourceText = sources.map((file) => fs.readFileSync(file, "utf8")).join("\n");

test("every code has a hint of a sentence or more", (t) => {
    t.deepEqual(ERROR_CODES.filter((code) => hintFor(code).length < 10 || !/[.)]$/.test(hintFor(code))), []);
});

test("no code is in two sections of the table", (t) => {
    const counted = Object.values(HINT_SECTIONS).reduce((sum, section) => sum + Object.keys(section).length, 0);
    t.is(counted, ERROR_CODES.length);
});

test("every code in the table is reported somewhere in the sources", (t) => {
    const unused = ERROR_CODES.filter((code) => !sourceText.includes(`"${code}"`) && !new RegExp(`\\bfail [0-9]+ ${code} `).test(sourceText));
    t.deepEqual(unused, []);
});

test("the host steps' scripts fail with the host-step codes, and use each of them", (t) => {
    const used = new Set([...sourceText.matchAll(/\bfail [0-9]+ ([a-z0-9-]+) /g)].map((match) => match[1]));
    t.deepEqual([...used].filter((code) => !(HOST_STEP_ERROR_CODES as readonly string[]).includes(code)), []);
    t.deepEqual(HOST_STEP_ERROR_CODES.filter((code) => !used.has(code)), []);
});

test("a hint that names the stack gets the stack's name; others are unchanged", (t) => {
    t.true(hintFor("not-deployed", { stack: "room-3" }).includes("mptcp-lab up --stack room-3"));
    t.false(hintFor("not-deployed", { stack: "room-3" }).includes("{stack}"));
    t.is(hintFor("ssh-connect", { stack: "room-3" }), hintFor("ssh-connect"));
});

test("a coded error carries its code, place, value, the table's hint and its cause", (t) => {
    const cause = new Error("underlying");
    const error = new CodedError("host-no-mptcp", "client: enable MPTCP: no MPTCP", { host: "client", step: "enable MPTCP", value: "6.1.0-rpi", cause });
    t.like(error, { code: "host-no-mptcp", host: "client", step: "enable MPTCP", value: "6.1.0-rpi", hint: hintFor("host-no-mptcp"), cause });
    t.is(new CodedError("host-no-mptcp", "x", { hint: "a better one" }).hint, "a better one");
});
