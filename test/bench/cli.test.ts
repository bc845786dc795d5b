import test from "ava";
import { PassThrough } from "node:stream";
import type { BenchStatus } from "../../bench";
import { BenchError } from "../../bench/errors";
import { formatStatus } from "../../cli/bench";
import { type CommandIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsPlainOutput } from "../../cli/command";
import { formatError, main } from "../../cli/main";

function capture(environment: NodeJS.ProcessEnv = {}): { io: CommandIo; stdout: () => string; stderr: () => string } {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    stdout.on("data", (chunk: Buffer) => chunks.stdout.push(chunk));
    stderr.on("data", (chunk: Buffer) => chunks.stderr.push(chunk));
    return {
        io: { stdout, stderr, environment },
        stdout: () => Buffer.concat(chunks.stdout).toString(),
        stderr: () => Buffer.concat(chunks.stderr).toString(),
    };
}

const usage = test.macro({
    async exec(t, argv: string[], message: RegExp) {
        const output = capture();
        t.is(await main(argv, output.io), EXIT_USAGE);
        t.regex(output.stderr(), message);
    },
    title: (_provided, argv: string[]) => `mptcp-lab ${argv.join(" ")} is a usage error`,
});

test(usage, ["nonsense"], /unknown command "nonsense"/);
test(usage, ["bench"], /missing action/);
test(usage, ["bench", "sideways"], /unknown action "sideways"/);
test(usage, ["bench", "up", "--index", "x"], /--index takes a number/);
test(usage, ["bench", "status", "--colour"], /Unknown option '--colour'/);
test(usage, ["bench", "down", "extra"], /unexpected arguments: extra/);
test(usage, ["bench", "status", "--index", "3"], /bench status does not take --index/);
test(usage, ["bench", "up", "--purge"], /bench up does not take --purge/);
test(usage, ["bench", "reboot"], /bench reboot needs the host/);
test(usage, ["bench", "reboot", "client", "server"], /unexpected arguments: server/);
test(usage, ["bench", "reboot", "client", "--purge"], /bench reboot does not take --purge/);

test("mptcp-lab without a command prints the commands on stderr and exits 64", async (t) => {
    const output = capture();
    t.is(await main([], output.io), EXIT_USAGE);
    t.is(output.stdout(), "");
    t.regex(output.stderr(), /bench +create, inspect or remove/);
});

test("mptcp-lab --help prints the commands on stdout and exits 0", async (t) => {
    const output = capture();
    t.is(await main(["--help"], output.io), EXIT_OK);
    t.regex(output.stdout(), /bench +create, inspect or remove/);
    t.is(output.stderr(), "");
});

test("a bench error is printed with its code and hint and exits 1", async (t) => {
    const output = capture();
    t.is(await main(["bench", "status", "--name", "Not-Valid"], output.io), EXIT_FAILURE);
    t.regex(output.stderr(), /^error BENCH_NAME_INVALID: invalid bench name "Not-Valid"\nhint: Bench names match/);
    t.notRegex(output.stderr(), /at .*status\.ts/);
});

test("the stack and the cause are printed only with --debug", (t) => {
    const error = new BenchError("BENCH_COMMAND_FAILED", "ip failed", { cause: new Error("underlying") });
    t.notRegex(formatError(error, false), /underlying/);
    const debug = formatError(error, true);
    t.regex(debug, /BenchError: ip failed\n\s+at /);
    t.regex(debug, /cause: Error: underlying/);
});

test("output is plain off a terminal and in CI", (t) => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    t.true(wantsPlainOutput({ stdout: new PassThrough(), stderr: new PassThrough(), environment: {} }));
    t.false(wantsPlainOutput({ stdout: terminal, stderr: terminal, environment: {} }));
    t.true(wantsPlainOutput({ stdout: terminal, stderr: terminal, environment: { CI: "true" } }));
    t.false(wantsPlainOutput({ stdout: terminal, stderr: terminal, environment: { CI: "false" } }));
});

test("bench status shows when each host booted, and a host that is down as not booted", (t) => {
    const host = { namespace: "mlab-x-client", managementAddress: "198.19.0.10", sshPort: 22, user: "pi", hostKey: "", interfaces: [], problems: [] };
    const status: BenchStatus = {
        name: "x",
        state: "degraded",
        managementAddress: "198.19.0.1",
        aptProxyUrl: "http://198.19.0.1:3142",
        gitBaseUrl: "git://198.19.0.1",
        privateKeyPath: "/k",
        publicKey: "",
        knownHostsPath: "/h",
        hosts: [
            { ...host, name: "client", bootedAt: "2026-11-30T13:24:59.600Z", healthy: true },
            { ...host, name: "server", healthy: false, problems: ["no machine runs in mlab-x-server (it may be rebooting)"] },
        ],
        problems: [],
        limitations: [],
    };
    const lines = formatStatus(status).split("\n");
    t.regex(lines.find((line) => line.includes(" client ")) ?? "", /ssh pi@198\.19\.0\.10 .* booted 2026-11-30T13:24:59Z +healthy$/);
    t.regex(lines.find((line) => line.includes(" server ")) ?? "", / not booted +unhealthy$/);
});
