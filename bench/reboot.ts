// `benchReboot`: reboot one host as `sudo reboot` would on a Pi (systemd inside it goes down, the
// supervisor boots the machine again) and wait until it answers SSH again.

import { BenchError } from "./errors";
import { HOST_BOOT_TIMEOUT_MS, machineInit, rebootMachine, waitForSsh } from "./host";
import { BENCH_NAME_PATTERN, managementAddresses } from "./plan";
import { waitFor } from "./processes";
import { readRuntimeState, withBenchLock } from "./state";
import { type BenchHostStatus, collectStatus } from "./status";

export interface BenchRebootResult {
    readonly host: BenchHostStatus;
    /** From `systemctl reboot` to the host answering SSH again. */
    readonly seconds: number;
}

export async function benchReboot(benchName: string, hostName: string): Promise<BenchRebootResult> {
    if (!BENCH_NAME_PATTERN.test(benchName)) throw new BenchError("BENCH_NAME_INVALID", `invalid bench name ${JSON.stringify(benchName)}`);
    return withBenchLock(benchName, async () => {
        const state = readRuntimeState(benchName);
        if (!state) throw new BenchError("BENCH_ABSENT", `bench ${benchName} is not up`);
        const hostIndex = state.plan.hosts.findIndex((host) => host.name === hostName);
        if (hostIndex < 0) {
            const known = state.plan.hosts.map((host) => host.name).join(", ");
            throw new BenchError("BENCH_HOST_UNKNOWN", `bench ${benchName} has no host ${JSON.stringify(hostName)} (it has ${known})`);
        }
        const namespace = state.names.hostNamespaces[hostName];
        const init = machineInit(namespace);
        if (!init) throw new BenchError("BENCH_UNHEALTHY", `${hostName} is not running, so it cannot reboot`, { hint: `Boot it with: mptcp-lab bench up --name ${benchName}` });
        const started = Date.now();
        await rebootMachine(hostName, init);
        // The old machine answers SSH until it is down: wait for the new one first.
        const rebooted = await waitFor(() => {
            const now = machineInit(namespace);
            return now !== undefined && (now.pid !== init.pid || now.startTime !== init.startTime);
        }, HOST_BOOT_TIMEOUT_MS, 50);
        const supervisor = state.hosts[hostName]?.supervisor;
        if (!rebooted || !(await waitForSsh(namespace, managementAddresses(state.plan).hosts[hostIndex], supervisor, HOST_BOOT_TIMEOUT_MS))) {
            throw new BenchError("BENCH_HOST_START_FAILED", `${hostName} did not come back from its reboot`);
        }
        const seconds = (Date.now() - started) / 1000;
        const host = (await collectStatus(benchName)).hosts[hostIndex];
        return { host, seconds };
    });
}
