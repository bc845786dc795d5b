// A real two-host bench: up, SSH with pinned host keys, interfaces, MPTCP, apt, git, idempotent
// up, changed plans, and a down that leaves nothing behind.

import test from "ava";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type BenchStatus, benchDown, benchReboot, benchStatus, benchUp, type BenchUpTask, defaultBenchPlan, offerGitRepository } from "../../bench";
import { run, tryRun } from "../../bench/exec";
import { interfaceMac } from "../../bench/naming";
import { runRemote } from "../../remote/ssh";
import { readRuntimeState } from "../../bench/state";
import { benchHook, benchTest, prepareBench, findLeftovers } from "./helpers/harness";
import { MPTCP_CLIENT, MPTCP_SERVER } from "./helpers/mptcp";
import { hostOf, mptcpCounters, ssh, sshOk } from "./helpers/ssh";

const BENCH = "t-bench";
const INDEX = 7;
let status: BenchStatus;

test.before(async (t) => {
    await prepareBench(t, BENCH);
});

test.after.always(benchHook(async () => {
    await benchDown(BENCH, { purge: true });
}));

benchTest("up brings two hosts whose host keys are pinned in known_hosts", async (t) => {
    status = await benchUp(defaultBenchPlan(BENCH, INDEX));
    t.is(status.state, "running");
    t.deepEqual(
        status.hosts.map((host) => [host.name, host.managementAddress, host.healthy]),
        [
            ["client", "198.19.7.10", true],
            ["server", "198.19.7.11", true],
        ],
    );
    t.is(status.aptProxyUrl, "http://198.19.7.1:3142");
    t.is(status.gitBaseUrl, "git://198.19.7.1");
    const knownHosts = fs.readFileSync(status.knownHostsPath, "utf8");
    t.is(knownHosts, status.hosts.map((host) => `${host.managementAddress} ${host.hostKey}\n`).join(""));
    t.regex(status.hosts[0].hostKey, /^ssh-ed25519 AAAA\S+$/);
    t.is(fs.statSync(status.privateKeyPath).mode & 0o777, 0o600);
    for (const host of status.hosts) t.is((await sshOk(status, host.name, "hostname")).trim(), host.name);
});

benchTest("each host boots systemd as PID 1, whose ssh.service, journald and sysctl.d run", async (t) => {
    for (const host of ["client", "server"]) {
        t.is((await sshOk(status, host, "ps -p 1 -o comm=")).trim(), "systemd");
        t.is((await sshOk(status, host, "systemctl is-active ssh.service systemd-journald.service systemd-sysctl.service")).trim(), "active\nactive\nactive");
        t.regex(await sshOk(status, host, "journalctl --no-pager -b -u ssh.service"), /Server listening/);
    }
    const bootIds = await Promise.all(["client", "server"].map(async (host) => (await sshOk(status, host, "cat /proc/sys/kernel/random/boot_id")).trim()));
    t.not(bootIds[0], bootIds[1]);
    t.false(bootIds.includes(fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()), "each host has a boot id of its own");
    t.true(status.hosts.every((host) => host.bootedAt !== undefined && !Number.isNaN(Date.parse(host.bootedAt))));
});

benchTest("hosts log in as pi, as Raspberry Pi OS does, and remote steps run as root through sudo -n", async (t) => {
    t.deepEqual(status.hosts.map((host) => host.user), ["pi", "pi"]);
    for (const host of status.hosts) {
        const connection = { address: host.managementAddress, port: host.sshPort, user: host.user, privateKey: fs.readFileSync(status.privateKeyPath, "utf8"), hostKey: host.hostKey };
        const script = 'echo "$(id -u) ${SUDO_USER:-none}"\n';
        t.is((await runRemote(connection, { host: host.name, step: "who runs the steps", script })).stdout, "0 pi\n");
        t.is((await runRemote({ ...connection, user: "root" }, { host: host.name, step: "who runs the steps", script })).stdout, "0 none\n");
    }
    t.is((await sshOk(status, "client", "stat -c '%a %U' /etc/sudoers.d/010_pi-nopasswd && cat /etc/sudoers.d/010_pi-nopasswd")).trim(), "440 root\npi ALL=(ALL) NOPASSWD: ALL");
});

benchTest("ssh refuses a host whose key does not match the pinned one", async (t) => {
    const wrong = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mlab-known-")), "known_hosts");
    t.teardown(() => fs.rmSync(path.dirname(wrong), { recursive: true, force: true }));
    fs.writeFileSync(wrong, `${hostOf(status, "client").managementAddress} ${hostOf(status, "server").hostKey}\n`);
    const result = await ssh(status, "client", "true", { knownHostsPath: wrong });
    t.false(result.ok);
    t.regex(result.stderr, /Host key verification failed|IDENTIFICATION HAS CHANGED/);
});

benchTest("each host has mgmt0 and the Pi's interfaces with the plan's addresses", async (t) => {
    const expected: Record<string, string[]> = {
        client: ["mgmt0=198.19.7.10/24", "eth0=198.18.7.133/24", "wlan0=198.18.7.173/24"],
        server: ["mgmt0=198.19.7.11/24", "eth0=198.18.7.218/24", "wlan0=198.18.7.237/24"],
    };
    for (const [host, addresses] of Object.entries(expected)) {
        const links = JSON.parse(await sshOk(status, host, "ip -j -4 address show")) as { ifname: string; flags: string[]; operstate: string; addr_info: { local: string; prefixlen: number }[] }[];
        const seen = links.filter((link) => link.ifname !== "lo").map((link) => `${link.ifname}=${link.addr_info[0]?.local}/${link.addr_info[0]?.prefixlen}`);
        t.deepEqual(seen.sort(), [...addresses].sort());
        t.true(links.filter((link) => link.ifname !== "lo").every((link) => link.flags.includes("UP") && link.operstate === "UP"));
    }
});

benchTest("ip mptcp and the MPTCP sysctls work inside each host, per namespace", async (t) => {
    for (const host of ["client", "server"]) {
        t.is((await sshOk(status, host, "sysctl -n net.mptcp.enabled")).trim(), "1");
        await sshOk(status, host, "ip mptcp endpoint show");
    }
    await sshOk(status, "client", "ip mptcp limits set subflows 3 add_addr_accepted 1 && sysctl -q -w net.mptcp.add_addr_timeout=60");
    t.regex(await sshOk(status, "client", "ip mptcp limits show"), /subflows 3/);
    t.regex(await sshOk(status, "server", "ip mptcp limits show"), /subflows 2/);
    t.is((await sshOk(status, "client", "sysctl -n net.mptcp.add_addr_timeout")).trim(), "60");
    t.is((await sshOk(status, "server", "sysctl -n net.mptcp.add_addr_timeout")).trim(), "120");
});

benchTest("hosts reach each other on the lab LAN, the root namespace does not", async (t) => {
    await sshOk(status, "client", "ping -c 1 -W 2 198.18.7.218 && ping -c 1 -W 2 -I wlan0 198.18.7.237");
    // Each address is answered by its own interface only (no ARP flux between eth0 and wlan0).
    t.regex(await sshOk(status, "client", "ip neigh show 198.18.7.218"), new RegExp(`lladdr ${interfaceMac(BENCH, "server", "eth0")} `));
    t.regex(await sshOk(status, "client", "ip neigh show 198.18.7.237"), new RegExp(`lladdr ${interfaceMac(BENCH, "server", "wlan0")} `));
    const route = await tryRun("ip", ["route", "get", "198.18.7.218"]);
    t.false(route.ok);
});

benchTest("an MPTCP connection from client to server joins a second subflow over wlan0", async (t) => {
    await sshOk(status, "server", "ip mptcp endpoint flush && ip mptcp limits set subflows 2 add_addr_accepted 2");
    await sshOk(status, "client", "ip mptcp endpoint flush && ip mptcp endpoint add 198.18.7.173 dev wlan0 subflow && ip mptcp limits set subflows 2 add_addr_accepted 2");
    const before = { client: await mptcpCounters(status, "client"), server: await mptcpCounters(status, "server") };
    const server = sshOk(status, "server", "timeout 30 perl - 5001", { input: MPTCP_SERVER });
    let listening = false;
    for (let attempt = 0; attempt < 50 && !listening; attempt += 1) {
        listening = (await sshOk(status, "server", "ss -Hltn 'sport = :5001'")).trim() !== "";
    }
    t.true(listening, "the MPTCP server listens");
    t.is((await sshOk(status, "client", "timeout 20 perl - 198.18.7.218 5001", { input: MPTCP_CLIENT })).trim(), "sent 6553600");
    t.is((await server).trim(), "received 6553600");
    const after = { client: await mptcpCounters(status, "client"), server: await mptcpCounters(status, "server") };
    t.is(after.client.MPCapableSYNACKRX - before.client.MPCapableSYNACKRX, 1, "the connection is MPTCP");
    t.is(after.client.MPJoinSynAckRx - before.client.MPJoinSynAckRx, 1, "the client's join was answered");
    t.is(after.server.MPJoinAckRx - before.server.MPJoinAckRx, 1, "the server accepted the joined subflow");
});

benchTest("interfaces going down inside the client show in status and never cut SSH", async (t) => {
    await sshOk(status, "client", "ip link set wlan0 down && ip link set eth0 down");
    const down = hostOf(await benchStatus(BENCH), "client");
    t.true(down.healthy);
    t.deepEqual(down.interfaces.map((item) => [item.name, item.up]), [["eth0", false], ["wlan0", false]]);
    t.is((await sshOk(status, "client", "hostname")).trim(), "client");
    await sshOk(status, "client", "ip link set eth0 up && ip link set wlan0 up");
    let up = hostOf(await benchStatus(BENCH), "client");
    for (let attempt = 0; attempt < 30 && !up.interfaces.every((item) => item.up); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        up = hostOf(await benchStatus(BENCH), "client");
    }
    t.deepEqual(up.interfaces.map((item) => [item.name, item.up]), [["eth0", true], ["wlan0", true]]);
});

benchTest("systemctl reboot inside a host boots it again by itself: new boot id, endpoints, limits and settings gone, disk kept", async (t) => {
    const before = hostOf(await benchStatus(BENCH), "client");
    const bootId = (await sshOk(status, "client", "cat /proc/sys/kernel/random/boot_id")).trim();
    await sshOk(status, "client", [
        "ip mptcp endpoint flush",
        "ip mptcp endpoint add 198.18.7.173 dev wlan0 subflow",
        "ip mptcp limits set subflows 4 add_addr_accepted 3",
        "sysctl -qw net.mptcp.add_addr_timeout=60 net.mptcp.stale_loss_cnt=9",
        "echo 'net.mptcp.add_addr_timeout = 90' > /etc/sysctl.d/60-reboot-test.conf",
        "echo kept > /root/marker",
        "ip link set wlan0 down",
    ].join(" && "));
    await ssh(status, "client", "systemctl reboot"); // the session may end with the machine
    let after = hostOf(await benchStatus(BENCH), "client");
    // Back when it answers SSH again with every link up (the kernel reports a link up shortly after it is set up).
    const back = () => after.healthy && after.bootedAt !== before.bootedAt && after.interfaces.every((item) => item.up);
    for (let attempt = 0; attempt < 600 && !back(); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = hostOf(await benchStatus(BENCH), "client");
    }
    t.true(after.healthy, after.problems.join("; "));
    t.not(after.bootedAt, before.bootedAt);
    t.not((await sshOk(status, "client", "cat /proc/sys/kernel/random/boot_id")).trim(), bootId);
    t.is((await sshOk(status, "client", "ip mptcp endpoint show")).trim(), "");
    t.is((await sshOk(status, "client", "ip mptcp limits show")).trim(), "add_addr_accepted 0 subflows 2");
    t.is((await sshOk(status, "client", "sysctl -n net.mptcp.add_addr_timeout net.mptcp.stale_loss_cnt")).trim(), "90\n4", "sysctl.d applied at boot, the rest a new boot's");
    t.is((await sshOk(status, "client", "cat /root/marker")).trim(), "kept");
    t.deepEqual(after.interfaces.map((item) => [item.name, item.up]), [["eth0", true], ["wlan0", true]]);
    await sshOk(status, "client", "rm /etc/sysctl.d/60-reboot-test.conf /root/marker && sysctl -qw net.mptcp.add_addr_timeout=120");
    t.is(hostOf(await benchStatus(BENCH), "server").bootedAt, hostOf(status, "server").bootedAt, "the other host did not reboot");
});

benchTest("bench reboot reboots one host and returns when it answers SSH again", async (t) => {
    const before = hostOf(await benchStatus(BENCH), "server");
    const { host, seconds } = await benchReboot(BENCH, "server");
    t.true(host.healthy);
    t.not(host.bootedAt, before.bootedAt);
    t.true(seconds > 0);
    t.is((await sshOk(status, "server", "hostname")).trim(), "server");
    const unknown = await t.throwsAsync(benchReboot(BENCH, "router"));
    t.is((unknown as { code?: string }).code, "BENCH_HOST_UNKNOWN");
});

benchTest("apt-get installs a package inside a host through the bench's proxy", async (t) => {
    const install = "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends hello && hello";
    t.regex(await sshOk(status, "client", install, { timeoutMs: 600_000 }), /Hello, world!/);
});

benchTest("a repository offered by the bench is served to the hosts by git daemon", async (t) => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), "mlab-repo-"));
    t.teardown(() => fs.rmSync(source, { recursive: true, force: true }));
    const git = (...args: string[]) => run("git", ["-C", source, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args]);
    await git("init", "--quiet", "--initial-branch=main");
    fs.writeFileSync(path.join(source, "README"), "first\n");
    await git("add", "README");
    await git("commit", "--quiet", "-m", "first");
    const url = await offerGitRepository(BENCH, "demo", source);
    t.is(url, "git://198.19.7.1/demo");
    const head = (await git("rev-parse", "HEAD")).stdout.trim();
    t.regex((await run("git", ["ls-remote", url])).stdout, new RegExp(`^${head}\\s+refs/heads/main$`, "m"));
    // From inside a host (git is not in the base): speak the git protocol's first request over bash's /dev/tcp.
    const request = "git-upload-pack /demo\\0host=198.19.7.1\\0"; // printf turns each backslash-zero into a NUL byte
    const packetLength = 4 + request.replace(/\\0/g, "\0").length;
    const advertised = await sshOk(status, "server", `exec 3<>/dev/tcp/198.19.7.1/9418 && printf '%04x${request}' ${packetLength} >&3 && timeout 5 head -c 45 <&3`);
    t.true(advertised.includes(head), advertised);
    fs.writeFileSync(path.join(source, "README"), "second\n");
    await git("commit", "--quiet", "-am", "second");
    t.is(await offerGitRepository(BENCH, "demo", source), url);
    t.regex((await run("git", ["ls-remote", url])).stdout, new RegExp(`^${(await git("rev-parse", "HEAD")).stdout.trim()}\\s+refs/heads/main$`, "m"));
});

benchTest("a second up on a running bench changes nothing", async (t) => {
    const before = readRuntimeState(BENCH);
    const outcomes: string[] = [];
    const runTasks = async (tasks: readonly BenchUpTask[]) => {
        for (const task of tasks) outcomes.push(`${task.title}: ${await task.run()}`);
    };
    const again = await benchUp(defaultBenchPlan(BENCH, INDEX), { runTasks });
    t.is(again.state, "running");
    t.deepEqual(outcomes.filter((outcome) => !outcome.endsWith(": unchanged")), []);
    t.deepEqual(readRuntimeState(BENCH), before);
});

benchTest("up refuses a different plan for the running bench", async (t) => {
    const changed = defaultBenchPlan(BENCH, INDEX);
    changed.sharedBottleneckMbit = 150;
    const error = await t.throwsAsync(benchUp(changed));
    t.is((error as { code?: string }).code, "BENCH_PLAN_CHANGED");
    t.is((await benchStatus(BENCH)).state, "running");
});

benchTest("down leaves no namespace, link, mount, process, machine, cgroup or upper dir", async (t) => {
    const state = readRuntimeState(BENCH);
    const recorded = [
        ...Object.values(state?.hosts ?? {}).map((host) => host.supervisor),
        state?.aptProxy,
        state?.gitDaemon,
    ].filter((record) => record !== undefined);
    t.is(recorded.length, 4);
    await benchDown(BENCH);
    t.deepEqual(await findLeftovers(BENCH, recorded), []);
    t.is((await benchStatus(BENCH)).state, "absent");
});

benchTest("down of a bench that is already gone succeeds", async (t) => {
    await t.notThrowsAsync(benchDown(BENCH));
});

benchTest("an invalid plan is refused before anything is created", async (t) => {
    const plan = defaultBenchPlan("t-invalid", 9);
    plan.hosts[0].interfaces[0].cidr = "192.0.2.1/24";
    const error = await t.throwsAsync(benchUp(plan));
    t.is((error as { code?: string }).code, "BENCH_PLAN_INVALID");
    t.false(fs.existsSync("/run/netns/mlab-t-invalid-client"));
    t.is(readRuntimeState("t-invalid"), undefined);
});
