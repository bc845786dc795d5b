import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../../cli/command";
import { makeReportCommand, StackNotCreated } from "../../cli/report";
import type { FailoverOutput } from "../../report";
import { recordedFailover } from "../report/fixture";

/** The command over recorded outputs: `t-class-1` and `t-class-2` have results, `t-class-3` none,
 *  and `t-class-4` was never created. */
function reportIn(t: { teardown(fn: () => void): void }) {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-report-"));
    t.teardown(() => fs.rmSync(outDir, { recursive: true, force: true }));
    const stacks = ["t-class-1", "t-class-2", "t-class-3", "t-class-4"];
    const read: string[] = [];
    const command = makeReportCommand({
        readFailover: async (name) => {
            read.push(name);
            if (name === "t-class-3") return undefined;
            if (name === "t-class-4") throw new StackNotCreated(name);
            return recordedFailover() satisfies FailoverOutput;
        },
        selectStacks: (selection, usage) => {
            if (selection.all) return stacks;
            for (const name of selection.stack ?? []) if (!stacks.includes(name)) throw new UsageError(`no stack ${name}`, usage);
            return selection.stack ?? ["t-class-1"];
        },
        defaultOutDir: () => path.join(outDir, "default"),
    });
    return {
        outDir,
        read,
        async run(...args: string[]) {
            let stdout = "";
            const sink = { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream;
            const code = await command.run(args, { stdout: sink, stderr: sink, environment: {} });
            return { code, stdout };
        },
    };
}

test("report --stack writes index.html to --out and prints the table and sparklines", async (t) => {
    const report = reportIn(t);
    const { code, stdout } = await report.run("--stack", "t-class-1", "--out", report.outDir);
    t.is(code, EXIT_OK);
    t.deepEqual(report.read, ["t-class-1"]);
    const html = fs.readFileSync(path.join(report.outDir, "index.html"), "utf8");
    t.is((html.match(/<svg /g) ?? []).length, 1);
    t.regex(stdout, /^bench +runs +baseline/);
    t.regex(stdout, /\n {2}mptcp +[▁▂▃▄▅▆▇█]+\n {2}tcp +[▁▂▃▄▅▆▇█]+\n/);
    t.true(stdout.endsWith(`Report: ${path.join(report.outDir, "index.html")}\n`));
});

test("report --all has a row for every bench and exits 1 when some have no result", async (t) => {
    const report = reportIn(t);
    const { code, stdout } = await report.run("--all");
    t.is(code, EXIT_FAILURE);
    t.deepEqual(report.read.sort(), ["t-class-1", "t-class-2", "t-class-3", "t-class-4"]);
    const html = fs.readFileSync(path.join(report.outDir, "default", "index.html"), "utf8");
    t.is((html.match(/<tr data-stack=/g) ?? []).length, 4);
    t.is((html.match(/<svg /g) ?? []).length, 2);
    t.regex(stdout, /\nt-class-3  0\n[^]*\nt-class-3: no failover result yet/);
    t.regex(stdout, /\nt-class-4: the stack has not been created/);
});

test("report with an unknown option is wrong usage", async (t) => {
    const report = reportIn(t);
    await t.throwsAsync(report.run("--stacks", "t-class-1"), { instanceOf: UsageError });
    t.deepEqual(report.read, []);
});
