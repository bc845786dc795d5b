// Runs ava with its own output, then prints the one closing line CI reads: "N passed, N failed".
// ava's summary ("3 tests passed", "1 test failed", "2 tests skipped", ...) is counted as it streams;
// when tests fail ava prints no "passed" line, so the passes are then its ✔ lines.
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const counts = { passed: 0, failed: 0, skipped: 0 };
let ticks = 0;
const patterns = [
    [/^\s*(\d+) tests? passed/, "passed"],
    [/^\s*(\d+) tests? failed/, "failed"],
    [/^\s*(\d+) (?:uncaught exceptions?|unhandled rejections?|hooks? failed|tests? timed out)/, "failed"],
    [/^\s*(\d+) tests? skipped/, "skipped"],
    [/^\s*(\d+) tests? todo/, "skipped"],
];

const ava = spawn(process.execPath, [path.join(__dirname, "..", "node_modules", "ava", "entrypoints", "cli.mjs"), ...process.argv.slice(2)], {
    stdio: ["ignore", "pipe", "inherit"],
});
let pending = "";
ava.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop();
    for (const line of lines) {
        const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
        if (/^\s*✔/.test(plain)) ticks += 1;
        for (const [pattern, key] of patterns) {
            const match = pattern.exec(plain);
            if (match) counts[key] += Number(match[1]);
        }
    }
});
ava.on("close", (code) => {
    if (code !== 0 && counts.failed === 0) counts.failed = 1; // a crash before any summary
    if (counts.passed === 0) counts.passed = ticks;
    const skipped = counts.skipped ? `, ${counts.skipped} skipped` : "";
    console.log(`${counts.passed} passed, ${counts.failed} failed${skipped}`);
    process.exit(code ?? 1);
});
