import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { headerPackageCandidates, iperf3InstallStamp, localIperf3Binary, parseFacts, readFactsScript } from "../../remote/host-facts";
import { hostKeyBlob } from "../../remote/ssh";
import { requireSafe, scriptWithArguments, shellCommand, shellQuote, shellSafe } from "../../remote/shell";

const factsOutput = `os_id=debian
os_pretty=Debian GNU/Linux 13 (trixie)
os_codename=trixie
kernel=6.12.47+rpt-rpi-v8
arch=aarch64
boot_id=3f0c5c2e-8a41-4f4e-9a55-1f2d3c4b5a69
mptcp_enabled=1
--- addresses
[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
 {"ifindex":2,"ifname":"eth0","flags":["BROADCAST","UP"],"addr_info":[{"family":"inet","local":"172.31.0.133","prefixlen":24}]},
 {"ifindex":3,"ifname":"wlan0","flags":["BROADCAST"],"addr_info":[]}]
`;

test("host facts are parsed from the facts script's output", (t) => {
    const facts = parseFacts(factsOutput);
    t.is(facts.kernelRelease, "6.12.47+rpt-rpi-v8");
    t.is(facts.architecture, "aarch64");
    t.true(facts.mptcpEnabled);
    t.deepEqual(facts.interfaces, [
        { name: "eth0", addresses: ["172.31.0.133/24"], up: true },
        { name: "wlan0", addresses: [], up: false },
    ]);
});

test("a kernel without MPTCP reports the switch as absent", (t) => {
    t.is(parseFacts(factsOutput.replace("mptcp_enabled=1", "mptcp_enabled=absent")).mptcpEnabled, null);
});

const headers = test.macro((t, release: string, expected: string[]) => {
    t.deepEqual(headerPackageCandidates({ kernelRelease: release }), expected);
});
test("Raspberry Pi OS Bookworm kernels try the exact package, then the flavour", headers, "6.6.51+rpt-rpi-v8", ["linux-headers-6.6.51+rpt-rpi-v8", "linux-headers-rpi-v8"]);
test("Raspberry Pi 5 kernels use the 2712 flavour", headers, "6.12.47+rpt-rpi-2712", ["linux-headers-6.12.47+rpt-rpi-2712", "linux-headers-rpi-2712"]);
test("pre-Bookworm Raspberry Pi kernels fall back to the single headers package", headers, "5.15.84-v8+", ["linux-headers-5.15.84-v8+", "raspberrypi-kernel-headers"]);
test("Debian kernels use linux-headers of the release", headers, "6.1.0-27-arm64", ["linux-headers-6.1.0-27-arm64"]);

test("a pinned host key yields its key blob", (t) => {
    const blob = hostKeyBlob("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm8n1Yq5n4u2n3p6ZkR1cQ3T8P0Y2l1xq3p2b9kq0rS root@client");
    t.is(blob.subarray(4, 15).toString(), "ssh-ed25519");
});

test("a host key that is not in OpenSSH form is refused", (t) => {
    t.throws(() => hostKeyBlob("not-a-key"));
});

test("quoting keeps single quotes and shell syntax inert", (t) => {
    t.is(shellQuote("it's $(reboot)"), `'it'\\''s $(reboot)'`);
});

test("a shell command line gives the shell back exactly the words", (t) => {
    const words = ["printf", "%s\\n", "it's", "$HOME", "a b", "`id`", ""];
    const output = execFileSync("bash", ["-c", shellCommand(words)], { encoding: "utf8" });
    t.is(output, "it's\n$HOME\na b\n`id`\n\n");
});

test("values reach a script only as quoted positional parameters", (t) => {
    t.is(scriptWithArguments('echo "$1"\n', ["a b"]).split("\n").slice(-2)[0], 'echo "$1"');
    t.true(scriptWithArguments("true\n", ["a b"]).includes("set -- 'a b'\n"));
});

const unsafe = test.macro((t, pattern: RegExp, value: string) => {
    const error = t.throws(() => requireSafe("field", value, pattern));
    t.is((error as Error & { code: string }).code, "unsafe-value");
});
test("an interface name with a command separator is refused", unsafe, shellSafe.interfaceName, "eth0; reboot");
test("a tag with command substitution is refused", unsafe, shellSafe.gitTag, "$(reboot)");
test("a repository URL with a quote is refused", unsafe, shellSafe.gitUrl, "https://x/'y");
test("a package name with a newline is refused", unsafe, shellSafe.debianPackage, "iperf3\nreboot");

test("the boot id is the kernel's", (t) => {
    const facts = parseFacts(execFileSync("bash", ["-c", readFactsScript], { encoding: "utf8" }));
    t.is(facts.bootId, fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
});

test("a hand-replaced iperf3 gets a new change id, and the rebuild that answers it keeps it", (t) => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "facts-"));
    t.teardown(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const binary = path.join(scratch, "iperf3");
    const stamp = path.join(scratch, "iperf3.installed");
    const script = readFactsScript.replaceAll(iperf3InstallStamp, stamp).replaceAll(localIperf3Binary, binary);
    const readFacts = () => parseFacts(execFileSync("bash", ["-c", script], { encoding: "utf8" }));
    const sha256 = () => execFileSync("sha256sum", [binary], { encoding: "utf8" }).split(" ")[0];
    const install = (content: string, answered: string) => {
        fs.writeFileSync(binary, content, { mode: 0o755 });
        fs.writeFileSync(stamp, `wanted\ncommit\nnative\n${sha256()}\n${answered}\n`);
    };
    const replaceByHand = (content: string) => fs.writeFileSync(binary, content, { mode: 0o755 });

    t.like(readFacts(), { localIperf3State: "absent", localIperf3Change: "" });
    install("#!/bin/sh\necho iperf 3.21\n", "as built");
    t.like(readFacts(), { localIperf3State: "as-built", localIperf3Change: "as built" });
    replaceByHand("#!/bin/sh\necho iperf 3.9\n");
    const first = readFacts();
    t.is(first.localIperf3State, "replaced");
    t.regex(first.localIperf3Change, /^replaced [0-9a-f]{12}$/);
    install("#!/bin/sh\necho iperf 3.21\n", first.localIperf3Change);
    t.like(readFacts(), { localIperf3State: "as-built", localIperf3Change: first.localIperf3Change }, "the next up sees the value it answered");
    replaceByHand("#!/bin/sh\necho iperf 3.9\n");
    const second = readFacts();
    t.is(second.localIperf3State, "replaced");
    t.not(second.localIperf3Change, first.localIperf3Change, "the same hand replacement again is a new change");
});

test("a stamp's answered line that is neither form is not passed on", (t) => {
    const withChange = (change: string) => parseFacts(factsOutput.replace("mptcp_enabled=1", `mptcp_enabled=1\nlocal_iperf3_state=as-built\nlocal_iperf3_change=${change}`));
    t.is(withChange("as built").localIperf3Change, "as built");
    t.is(withChange("replaced 0123456789ab").localIperf3Change, "replaced 0123456789ab");
    t.is(withChange("replaced $(reboot)").localIperf3Change, "");
});
