import test from "ava";
import * as fs from "fs";
import {
    clientArguments,
    FailoverArgumentError,
    flipArguments,
    restoreArguments,
    runnerScriptPath,
    serveArguments,
    serveStopArguments,
} from "../../failover";
import type { ClientOptions } from "../../failover";

const CLIENT: ClientOptions = {
    server: "198.18.200.218",
    port: 5201,
    durationSeconds: 8,
    intervalSeconds: 0.1,
    mode: "mptcpize",
    reverse: false,
    resultsDir: "/var/tmp/mptcp-lab/run-1",
    failure: { interface: "wlan0", downAtSeconds: 3 },
};

test("the runner script ships beside the module", (t) => {
    t.true(fs.existsSync(runnerScriptPath));
});

test("client arguments name every option the runner expects", (t) => {
    t.deepEqual(clientArguments({ ...CLIENT, reverse: true, failure: { interface: "wlan0", downAtSeconds: 2.5, upAtSeconds: 6 } }), [
        "client", "--server", "198.18.200.218", "--port", "5201", "--duration", "8", "--interval", "0.1",
        "--mode", "mptcpize", "--reverse", "--results", "/var/tmp/mptcp-lab/run-1",
        "--fail-interface", "wlan0", "--down-at", "2.5", "--up-at", "6",
    ]);
});

test("the plain-TCP control is bound to the failing interface by address and device", (t) => {
    const words = clientArguments({ ...CLIENT, mode: "tcp", bindAddress: "198.18.200.173", bindDevice: "wlan0" });
    t.deepEqual(words.slice(words.indexOf("--bind"), words.indexOf("--bind") + 4), ["--bind", "198.18.200.173", "--bind-dev", "wlan0"]);
});

test("serve, serve-stop, flip and restore arguments", (t) => {
    t.deepEqual(serveArguments({ port: 5201, timeoutSeconds: 60, resultsDir: "/tmp/r", intervalSeconds: 0.1, mptcpize: true }), [
        "serve", "--port", "5201", "--timeout", "60", "--results", "/tmp/r", "--interval", "0.1", "--mptcpize",
    ]);
    t.deepEqual(serveStopArguments({ port: 5201 }), ["serve-stop", "--port", "5201"]);
    t.deepEqual(
        flipArguments({ failure: { interface: "wlan0", downAtSeconds: 3 }, watchPort: 5201, durationSeconds: 10, resultsDir: "/tmp/r", detach: true }),
        ["flip", "--fail-interface", "wlan0", "--down-at", "3", "--duration", "10", "--watch-port", "5201", "--results", "/tmp/r", "--detach"],
    );
    t.deepEqual(restoreArguments({ interface: "wlan0" }), ["restore", "--interface", "wlan0"]);
    t.deepEqual(restoreArguments({ interface: "wlan0", resultsDir: "/tmp/r" }), ["restore", "--interface", "wlan0", "--results", "/tmp/r"]);
});

test("a failback asks the runner to re-announce the failed interface's endpoints", (t) => {
    const failure = { interface: "wlan0", downAtSeconds: 3, upAtSeconds: 6, reannounce: true };
    t.deepEqual(clientArguments({ ...CLIENT, failure }).slice(-7), ["--fail-interface", "wlan0", "--down-at", "3", "--up-at", "6", "--reannounce"]);
    t.is(flipArguments({ failure, watchPort: 5201, durationSeconds: 10, resultsDir: "/tmp/r", detach: true }).filter((word) => word === "--reannounce").length, 1);
    t.false(clientArguments({ ...CLIENT, failure: { ...failure, reannounce: false } }).includes("--reannounce"));
});

const refuses = test.macro({
    exec(t, build: () => unknown, field: string) {
        const error = t.throws(build, { instanceOf: FailoverArgumentError });
        t.is(error?.code, "FAILOVER_INVALID_ARGUMENT");
        t.is(error?.field, field);
    },
    title: (providedTitle = "") => providedTitle,
});

test("a server name instead of an address is refused", refuses, () => clientArguments({ ...CLIENT, server: "pi-server" }), "server");
test("an address with a shell command appended is refused", refuses, () => clientArguments({ ...CLIENT, server: "198.18.200.218;reboot" }), "server");
test("an interface name with a slash is refused", refuses, () => clientArguments({ ...CLIENT, failure: { interface: "../eth0", downAtSeconds: 3 } }), "failure.interface");
test("an interface name longer than the kernel's is refused", refuses, () => restoreArguments({ interface: "wlan0-much-too-long" }), "interface");
test("a relative results directory is refused", refuses, () => clientArguments({ ...CLIENT, resultsDir: "results" }), "resultsDir");
test("a results directory that climbs out is refused", refuses, () => serveArguments({ port: 5201, timeoutSeconds: 60, resultsDir: "/tmp/../etc", intervalSeconds: 0.1, mptcpize: false }), "resultsDir");
test("stopping a server on port 0 is refused", refuses, () => serveStopArguments({ port: 0 }), "port");
test("an interval under iperf3's 0.1 s is refused", refuses, () => clientArguments({ ...CLIENT, intervalSeconds: 0.05 }), "intervalSeconds");
test("a fractional duration is refused, as iperf3 would read it as forever", refuses, () => clientArguments({ ...CLIENT, durationSeconds: 0.5, failure: undefined }), "durationSeconds");
test("a failure after the end of the test is refused", refuses, () => clientArguments({ ...CLIENT, failure: { interface: "wlan0", downAtSeconds: 9 } }), "failure");
test("a link that comes back before it fails is refused", refuses, () => flipArguments({ failure: { interface: "wlan0", downAtSeconds: 3, upAtSeconds: 2 }, watchPort: 5201, durationSeconds: 8, resultsDir: "/tmp/r", detach: false }), "failure");
test("a link back after the end of the test is refused for a flip too", refuses, () => flipArguments({ failure: { interface: "wlan0", downAtSeconds: 3, upAtSeconds: 9 }, watchPort: 5201, durationSeconds: 8, resultsDir: "/tmp/r", detach: false }), "failure");
test("an interface name the lab would refuse is refused", refuses, () => restoreArguments({ interface: "eth0.100" }), "interface");
test("binding MPTCP to one device is refused", refuses, () => clientArguments({ ...CLIENT, bindDevice: "wlan0" }), "bindDevice");
test("port 0 is refused", refuses, () => serveArguments({ port: 0, timeoutSeconds: 60, resultsDir: "/tmp/r", intervalSeconds: 0.1, mptcpize: false }), "port")
test("a server interval under 0.1 s is refused", refuses, () => serveArguments({ port: 5201, timeoutSeconds: 60, resultsDir: "/tmp/r", intervalSeconds: 0.05, mptcpize: false }), "intervalSeconds");
test("a mode the runner does not know is refused", refuses, () => clientArguments({ ...CLIENT, mode: "quic" as never }), "mode");
