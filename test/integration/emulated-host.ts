// What happens to an emulated host between two `up`s, done from outside it: a real reboot (the
// machine's systemd restarts, the bench boots it again), a stopped ssh.service, a script run
// inside it.
import { benchReboot, benchUp } from "../../bench";
import { machineInit, runInMachine } from "../../bench/host";
import { readRuntimeState } from "../../bench/state";

function namespaceOf(benchName: string, hostName: string): string {
    const namespace = readRuntimeState(benchName)?.names.hostNamespaces[hostName];
    if (!namespace) throw new Error(`bench ${benchName} has no host ${hostName}`);
    return namespace;
}

function initOf(benchName: string, hostName: string) {
    const init = machineInit(namespaceOf(benchName, hostName));
    if (!init) throw new Error(`no machine runs as ${hostName} on bench ${benchName}`);
    return init;
}

/** Runs a bash script inside the host (through its PID 1's namespaces), as root there. */
export async function runInHost(benchName: string, hostName: string, script: string, args: readonly string[] = []): Promise<string> {
    const result = await runInMachine(initOf(benchName, hostName), ["/bin/bash", "-euo", "pipefail", "-c", script, "bash", ...args]);
    if (!result.ok) throw new Error(`script failed on ${hostName} (exit ${result.exitCode}): ${result.stderr}`);
    return result.stdout;
}

/** Reboots the host for real (`systemctl reboot` inside it), waits until it answers SSH again, returns its new boot id. */
export async function rebootEmulatedHost(benchName: string, hostName: string): Promise<string> {
    const before = (await runInHost(benchName, hostName, "cat /proc/sys/kernel/random/boot_id")).trim();
    await benchReboot(benchName, hostName);
    const after = (await runInHost(benchName, hostName, "cat /proc/sys/kernel/random/boot_id")).trim();
    if (after === before) throw new Error(`${hostName} kept its boot id ${before} across the reboot`);
    return after;
}

/** Stops the host's ssh.service: the host no longer answers SSH. */
export async function stopSshd(benchName: string, hostName: string): Promise<void> {
    await runInHost(benchName, hostName, "systemctl stop ssh.service");
}

/** Brings the bench back to its plan, which starts a stopped ssh.service. */
export async function repairBench(benchName: string): Promise<void> {
    const state = readRuntimeState(benchName);
    if (!state) throw new Error(`bench ${benchName} is not running`);
    await benchUp(state.plan);
}
