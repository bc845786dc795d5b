// What happens to an emulated host between two `up`s, done from outside it: a reboot (as far as
// MPTCP can tell one), a stopped sshd, a script run inside it. Emulated hosts share the machine's
// kernel, so a reboot is emulated: endpoint table flushed, limits and net.mptcp.enabled back to the
// kernel's defaults, then the sysctl.d files applied as at boot, and a new boot id.
import { randomUUID } from "crypto";
import { benchUp } from "../../bench";
import { run } from "../../bench/exec";
import { stopProcess } from "../../bench/processes";
import { readRuntimeState } from "../../bench/state";
import { emulatedBootIdFile } from "../../remote/host-facts";

function runtimeOf(benchName: string, hostName: string) {
    const state = readRuntimeState(benchName);
    const host = state?.hosts[hostName];
    if (!state || !host?.init) throw new Error(`bench ${benchName} has no running host ${hostName}`);
    return { state, host, init: host.init };
}

/** Runs a bash script inside the host (its mount, network, UTS and PID namespaces), as root there. */
export async function runInHost(benchName: string, hostName: string, script: string, args: readonly string[] = []): Promise<string> {
    const { init } = runtimeOf(benchName, hostName);
    const enter = ["--target", String(init.pid), "--mount", "--uts", "--net", "--pid", "--root", "--wd"];
    return (await run("nsenter", [...enter, "--", "/bin/bash", "-euo", "pipefail", "-c", script, "bash", ...args])).stdout;
}

// The kernel's defaults for a new network namespace are what a boot leaves (limits 2 and 0,
// MPTCP on). Only net.mptcp.enabled is taken from sysctl.d: the other keys there may not be
// per-namespace, and a host must never change the machine's own settings.
const rebootScript = `
ip mptcp endpoint flush
ip mptcp limits set subflows 2 add_addr_accepted 0
enabled=$(cat /etc/sysctl.d/*.conf 2>/dev/null | sed -n 's/^[[:space:]]*net\\.mptcp\\.enabled[[:space:]]*=[[:space:]]*\\([01]\\)[[:space:]]*$/\\1/p' | tail -n 1)
sysctl -qw "net.mptcp.enabled=\${enabled:-1}"
mkdir -p "$(dirname "$1")"
printf '%s\\n' "$2" > "$1"
`;

/** Emulates a reboot of the host as MPTCP sees it; returns the new boot id. */
export async function rebootEmulatedHost(benchName: string, hostName: string): Promise<string> {
    const bootId = randomUUID();
    await runInHost(benchName, hostName, rebootScript, [emulatedBootIdFile, bootId]);
    return bootId;
}

/** Stops the host's sshd (started by the bench, known by PID): the host no longer answers. */
export async function stopSshd(benchName: string, hostName: string): Promise<void> {
    const { host } = runtimeOf(benchName, hostName);
    if (!(await stopProcess(host.sshd, { graceMs: 2_000 }))) throw new Error(`sshd of ${hostName} on bench ${benchName} did not stop`);
}

/** Brings the bench back to its plan, which restarts a stopped sshd. */
export async function repairBench(benchName: string): Promise<void> {
    const state = readRuntimeState(benchName);
    if (!state) throw new Error(`bench ${benchName} is not running`);
    await benchUp(state.plan);
}
