// The failover figures of one bench setting over repeated runs, for each failing interface and
// each way iperf3 gets MPTCP: one emulated stack made from the `emulated` stack (its shaping, its
// iperf3 build, its schedule), then per setting `mptcp-lab validate`, `mptcp-lab up` and
// `mptcp-lab test --repeat N`, and a Markdown table of each figure's median / p95 (the surviving
// rate also with its range). A setting that `validate` refuses is a row saying why. Destroys the
// stack, its file and its bench at the end, whatever happened. As root, under the machine's
// integration lock (about 20 minutes):
//   flock /run/mptcp-lab-dev-integration.lock node -r ts-node/register/transpile-only scripts/failover-figures.ts [--runs 5]
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough, type Writable } from "stream";
import { parseArgs } from "util";
import * as yaml from "js-yaml";
import { benchDown } from "../bench";
import type { CommandIo } from "../cli/command";
import { openLabStack, selectExistingLabStack } from "../cli/lab-stacks";
import { stacksDir } from "../cli/stack-files";
import { main as mptcpLab } from "../cli/main";
import type { FailoverSpread, SpreadFigure } from "../failover";
import type { FailoverOutput } from "../report";
import { formatMbit, formatTime } from "../report/summary";

const SETTINGS = [
    { interface: "wlan0", mode: "native" },
    { interface: "wlan0", mode: "mptcpize" },
    { interface: "eth0", mode: "native" },
    { interface: "eth0", mode: "mptcpize" },
] as const;

const COLUMNS: readonly { figure: SpreadFigure; title: string }[] = [
    { figure: "baselineBitsPerSecond", title: "baseline (Mbit/s)" },
    { figure: "survivingRateBitsPerSecond", title: "surviving rate (Mbit/s)" },
    { figure: "meanRateWhileDownBitsPerSecond", title: "mean while down (Mbit/s)" },
    { figure: "stallSeconds", title: "stall (s)" },
    { figure: "recoveryToSurvivingSeconds", title: "recovery to surviving (s)" },
    { figure: "recoveryToBaselineSeconds", title: "recovery to baseline (s)" },
];

/** Runs an mptcp-lab command in this process; returns its exit code and what it printed. */
async function run(log: Writable, args: string[]): Promise<{ code: number; text: string }> {
    const capture = new PassThrough();
    let text = "";
    capture.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        log.write(chunk);
    });
    const io: CommandIo = { stdout: capture, stderr: capture, environment: { ...process.env, CI: "true" } };
    log.write(`\n$ mptcp-lab ${args.join(" ")}\n`);
    const code = await mptcpLab(args, io);
    log.write(`exit ${code}\n`);
    return { code, text };
}

/** Sets the failing interface and the MPTCP mode in the stack file's lab. */
function configure(file: string, setting: (typeof SETTINGS)[number]): void {
    const document = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, { failover: { interface: string }; iperf3: { mptcp: string } }> };
    const lab = document.config["mptcp-lab:lab"];
    lab.failover.interface = setting.interface;
    lab.iperf3.mptcp = setting.mode;
    fs.writeFileSync(file, yaml.dump(document, { lineWidth: 120 }));
}

function row(setting: (typeof SETTINGS)[number], spread: FailoverSpread): string {
    const cells = COLUMNS.map(({ figure }) => {
        const values = spread.figures[figure];
        const format = figure.endsWith("BitsPerSecond") ? formatMbit : formatTime;
        const range = figure === "survivingRateBitsPerSecond" ? ` (${format(values.min)}-${format(values.max)})` : "";
        return `${format(values.median)} / ${format(values.p95)}${range}`;
    });
    return `| client ${setting.interface} | ${setting.mode} | ${spread.survived} of ${spread.runs} | ${cells.join(" | ")} |`;
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, prefix: { type: "string", default: "t-figures" }, "first-index": { type: "string", default: "60" } } });
    const name = `${values.prefix}-1`;
    const file = path.join(stacksDir, `Pulumi.${name}.yaml`);
    const logFile = path.join(os.tmpdir(), `failover-figures-${process.pid}.log`);
    const log = fs.createWriteStream(logFile);
    console.log(`command output: ${logFile}`);
    const rows: string[] = [];
    try {
        const init = await run(log, ["classroom", "init", "--benches", "1", "--from", "emulated", "--prefix", values.prefix, "--first-index", values["first-index"], "--force"]);
        if (init.code !== 0) throw new Error(`classroom init exited with ${init.code} (see ${logFile})`);
        for (const setting of SETTINGS) {
            configure(file, setting);
            const validate = await run(log, ["validate", file]);
            if (validate.code !== 0) {
                const codes = [...new Set(validate.text.match(/failover-[a-z-]+/g) ?? [])].join(", ");
                rows.push(`| client ${setting.interface} | ${setting.mode} | refused by validate (${codes || `exit ${validate.code}`}) |${" |".repeat(COLUMNS.length)}`);
                console.log(rows.at(-1));
                continue;
            }
            const up = await run(log, ["up", "--stack", name, "--no-table"]);
            const test = await run(log, ["test", "--stack", name, "--repeat", values.runs, "--no-table"]);
            const outputs = await (await selectExistingLabStack(name)).outputs();
            const spread = (outputs.failover?.value as FailoverOutput | undefined)?.spread?.mptcp;
            if (!spread) throw new Error(`no spread after up (exit ${up.code}) and test (exit ${test.code}) of ${setting.interface} ${setting.mode} (see ${logFile})`);
            rows.push(row(setting, spread));
            console.log(rows.at(-1));
        }
    } finally {
        await run(log, ["destroy", "--stack", name]);
        const stack = await openLabStack(name).catch(() => undefined);
        await stack?.workspace.removeStack(name).catch(() => undefined);
        fs.rmSync(file, { force: true });
        await benchDown(name, { purge: true }).catch(() => undefined);
        log.end();
    }
    console.log(`\nmedian / p95 over ${values.runs} runs per setting\n`);
    console.log(`| failure | mode | survived | ${COLUMNS.map((column) => column.title).join(" | ")} |`);
    console.log(`| --- | --- | --- |${" --- |".repeat(COLUMNS.length)}`);
    for (const line of rows) console.log(line);
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
