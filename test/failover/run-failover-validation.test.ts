// The runner validates its own arguments, because its command line reaches a shell on the host.
// Every case here must stop at validation (status 2) before the script touches anything.
import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runnerScriptPath } from "../../failover";
import { whenAvailable } from "../helpers/prerequisites";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "fo-validation-"));
const RESULTS = path.join(scratch, "results");
test.after.always(() => fs.rmSync(scratch, { recursive: true, force: true }));

const CLIENT = [
    "client", "--server", "198.18.200.218", "--port", "5201", "--duration", "8", "--interval", "0.1",
    "--mode", "mptcpize", "--results", RESULTS, "--fail-interface", "wlan0", "--down-at", "3",
];

/** CLIENT with one option's value replaced. */
function clientWith(option: string, value: string): string[] {
    const words = [...CLIENT];
    words[words.indexOf(option) + 1] = value;
    return words;
}

const refused = test.macro({
    exec(t, args: string[], complaint: RegExp) {
        const result = spawnSync("bash", [runnerScriptPath, ...args], { encoding: "utf8", timeout: 10_000 });
        t.is(result.status, 2, result.stderr);
        t.regex(result.stderr, complaint);
        t.false(fs.existsSync(RESULTS), "validation must come before any change on the host");
    },
    title: (providedTitle = "") => providedTitle,
});

test("a server given by name is refused", refused, clientWith("--server", "pi-server"), /--server: 'pi-server' is not an IPv4 address/);
test("a server address with a command appended is refused", refused, clientWith("--server", "198.18.200.218;touch /tmp/x"), /--server/);
test("an octet above 255 is refused", refused, clientWith("--server", "198.18.200.256"), /--server/);
test("a port above 65535 is refused", refused, clientWith("--port", "65536"), /--port/);
test("a port with leading zeros is refused", refused, clientWith("--port", "05201"), /--port/);
test("a fractional duration is refused", refused, clientWith("--duration", "0.5"), /--duration/);
test("an interval below 0.1 s is refused", refused, clientWith("--interval", "0.05"), /--interval must be 0.1 to 60 s/);
test("an unknown mode is refused", refused, clientWith("--mode", "quic"), /--mode must be native, mptcpize or tcp/);
test("an interface name with a slash is refused", refused, clientWith("--fail-interface", "../wlan0"), /--fail-interface/);
test("an interface name starting with a dash is refused", refused, clientWith("--fail-interface", "-wlan0"), /--fail-interface/);
test("an interface name longer than fifteen bytes is refused", refused, clientWith("--fail-interface", "wlan0123456789ab"), /--fail-interface/);
test("a relative results directory is refused", refused, clientWith("--results", "results"), /--results/);
test("a results directory that climbs out is refused", refused, clientWith("--results", `${scratch}/../etc`), /--results/);
test("a results directory with a space is refused", refused, clientWith("--results", `${scratch}/a b`), /--results/);
test("a failure after the end of the test is refused", refused, clientWith("--down-at", "8"), /need --down-at < --up-at <= --duration/);
test("a bind address that is no address is refused", refused, [...CLIENT, "--bind", "$(id)"], /--bind/);
test("binding an MPTCP run to one device is refused", refused, [...CLIENT, "--bind-dev", "wlan0"], /tcp mode only/);
test("an unknown option is refused", refused, [...CLIENT, "--json-stream"], /unknown argument '--json-stream'/);
test("a missing option is refused", refused, CLIENT.filter((word, i) => word !== "--server" && CLIENT[i - 1] !== "--server"), /--server is required/);
test("an option without its value is refused", refused, [...CLIENT, "--bind"], /--bind needs a value/);
test("an unknown subcommand is refused", refused, ["reboot"], /unknown subcommand 'reboot'/);
test("a flip without an end is refused", refused,
    ["flip", "--fail-interface", "wlan0", "--down-at", "3", "--watch-port", "5201", "--results", RESULTS], /--duration is required/);
test("a detached flip is validated before it detaches", refused,
    ["flip", "--fail-interface", "wlan0", "--down-at", "3", "--duration", "8", "--watch-port", "0", "--results", RESULTS, "--detach"], /--watch-port/);
test("an interface name the lab would refuse is refused", refused, clientWith("--fail-interface", "Wlan0"), /--fail-interface/);
const SERVE = ["serve", "--port", "5201", "--timeout", "60", "--results", RESULTS];
test("a server interval below 0.1 s is refused", refused, [...SERVE, "--interval", "0.05"], /--interval must be 0.1 to 60 s/);
test("a server interval with a command appended is refused", refused, [...SERVE, "--interval", "0.1;reboot"], /--interval/);
test("a restore of a bad interface name is refused", refused, ["restore", "--interface", "wlan0;reboot"], /--interface/);

const hasShellcheck = spawnSync("shellcheck", ["--version"]).error === undefined;

whenAvailable(test, hasShellcheck ? [] : ["shellcheck (Debian package shellcheck)"], "shellcheck of the runner")("the runner script passes shellcheck", (t) => {
    const result = spawnSync("shellcheck", [runnerScriptPath], { encoding: "utf8" });
    t.is(result.error, undefined, "shellcheck is not installed (Debian package shellcheck)");
    t.is(result.status, 0, result.stdout);
});

// The runner hands a failed link's restore to the host's systemd. A host without it (this
// development machine, whose PID 1 is not systemd) is refused as a missing prerequisite, before
// anything changes, with what is missing and what to do.
test("a flip on a host without systemd is refused with a message that names systemd", (t) => {
    const args = ["flip", "--fail-interface", "lo", "--down-at", "1", "--duration", "2", "--watch-port", "59999", "--wait", "1", "--results", RESULTS];
    const result = spawnSync("bash", [runnerScriptPath, ...args], { encoding: "utf8", timeout: 10_000 });
    if (fs.existsSync("/run/systemd/system")) {
        t.log("systemd runs here: the flip passes the check and finds no connection to watch");
        t.false(result.status === 3 && /systemd/.test(result.stderr), result.stderr);
        return;
    }
    t.is(result.status, 3, result.stderr);
    t.regex(result.stderr, /systemd is not this host's service manager.*run the test on a host booted with systemd/);
    t.false(fs.existsSync(RESULTS), "the check must come before any change on the host");
});
