// Benchmark of `mptcp-lab validate` on bad input:
//   node -r ts-node/register/transpile-only scripts/benchmark-validate.ts
// Times the command end to end (a process per file, as a person runs it, start-up included) and
// reads its peak memory through GNU time, on the largest files it may be given (about 10 MB,
// written to a temporary folder) and on the slowest of the bad-input corpus
// (test/fixtures/labs/corpus). Targets: under 2 s and 300 MB for any file under 10 MB.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repositoryRoot } from "../toolchain";

const cli = path.join(repositoryRoot, "cli", "mptcp-lab");
const corpusDir = path.join(repositoryRoot, "test", "fixtures", "labs", "corpus");
const TIME = "/usr/bin/time";

interface Measure {
    readonly file: string;
    readonly bytes: number;
    readonly seconds: number;
    readonly maxRssMb?: number;
    readonly exitCode: number | null;
}

function measure(file: string): Measure {
    const bytes = fs.statSync(file).size;
    const withTime = fs.existsSync(TIME);
    const started = process.hrtime.bigint();
    const result = withTime
        ? spawnSync(TIME, ["-f", "maxrss %M", cli, "validate", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
        : spawnSync(cli, ["validate", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rss = /maxrss (\d+)/.exec(result.stderr ?? "")?.[1];
    return { file, bytes, seconds, exitCode: result.status, ...(rss ? { maxRssMb: Number(rss) / 1024 } : {}) };
}

const generated: Record<string, () => string> = {
    "long-list (600,000 items)": () => `name: big\nx-list:\n${Array.from({ length: 600_000 }, (_, index) => `  - item-${index}\n`).join("")}`,
    "flow-list (4,000,000 items)": () => `name: big\nx-list: [${"1,".repeat(4_000_000)}1]\n`,
    "comment (10 MB)": () => `name: big\n${`# ${"c".repeat(76)}\n`.repeat(128_000)}`,
    "one string (10 MB)": () => `name: big\nx-s: "${"a".repeat(10_000_000)}"\n`,
    "alias bomb (10 x 10)": () => `name: bomb\nx-a0: &a0 [lol]\n${Array.from({ length: 10 }, (_, level) => `x-a${level + 1}: &a${level + 1} [${Array(10).fill(`*a${level}`).join(", ")}]`).join("\n")}\n`,
};

const row = (label: string, m: Measure) =>
    `${label.padEnd(44)} ${String(m.bytes).padStart(9)} B ${m.seconds.toFixed(2).padStart(6)} s ${m.maxRssMb === undefined ? "     ?" : m.maxRssMb.toFixed(0).padStart(6)} MB  exit ${m.exitCode}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-validate-bench-"));
try {
    console.log("generated files:");
    for (const [label, text] of Object.entries(generated)) {
        const file = path.join(dir, `${label.split(" ")[0]}.yaml`);
        fs.writeFileSync(file, text());
        console.log(row(label, measure(file)));
    }
    const corpus = fs.readdirSync(corpusDir).filter((name) => name.endsWith(".yaml"));
    const measures = corpus.map((name) => measure(path.join(corpusDir, name))).sort((a, b) => b.seconds - a.seconds);
    console.log(`corpus (${corpus.length} files), slowest five and the median:`);
    for (const m of measures.slice(0, 5)) console.log(row(path.basename(m.file), m));
    console.log(row(`median: ${path.basename(measures[Math.floor(measures.length / 2)].file)}`, measures[Math.floor(measures.length / 2)]));
} finally {
    fs.rmSync(dir, { recursive: true, force: true });
}
