// Fault injection: `bench up` killed with SIGKILL at several moments of a bench's start. Whatever
// it left (namespaces, host processes, its lock), the next `up` converges to a healthy bench, and
// `down` then leaves nothing behind.
import test from "ava";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { benchDown, benchUp, defaultBenchPlan } from "../../bench";
import { readGreeting } from "../../bench/probe";
import { readRuntimeState } from "../../bench/state";
import type { ProcessRecord } from "../../bench/processes";
import { benchHook, benchTest, prepareBench, findLeftovers } from "./helpers/harness";

const BENCH = "t-kill";
const INDEX = 29;
const REPOSITORY = path.join(__dirname, "..", "..");

test.before(async (t) => {
    await prepareBench(t, BENCH);
});

test.after.always(benchHook(async () => {
    await benchDown(BENCH, { purge: true });
}));

const namespaceExists = (name: string) => async () => fs.existsSync(`/run/netns/mlab-${BENCH}-${name}`);

/** Kill points, each a condition the start reaches on its way. */
const KILL_POINTS: readonly { name: string; reached: () => Promise<boolean> }[] = [
    { name: "as the switch appears", reached: namespaceExists("sw") },
    { name: "as the last host's namespace appears", reached: namespaceExists("server") },
    { name: "as the first host's sshd answers", reached: async () => (await readGreeting(`198.19.${INDEX}.10`, 22, 300))?.startsWith("SSH-2.0-") === true },
];

for (const point of KILL_POINTS) {
    benchTest(`bench up killed ${point.name} is converged by the next up, and down then leaves nothing`, async (t) => {
        const plan = defaultBenchPlan(BENCH, INDEX);
        const script = `require("./bench").benchUp(require("./bench").defaultBenchPlan(${JSON.stringify(BENCH)}, ${INDEX})).then(() => console.log("up"))`;
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: REPOSITORY, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let finished = false;
        child.on("exit", () => (finished = true));
        let reached = false;
        for (let tries = 0; tries < 1200 && !finished && !(reached = await point.reached()); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
        child.kill("SIGKILL");
        await new Promise((resolve) => (finished ? resolve(undefined) : child.on("exit", resolve)));
        t.log(reached ? `killed ${point.name}` : `the start ended before the kill point`);
        t.true(reached, "the kill point was reached before the start ended");

        const status = await benchUp(plan);
        t.is(status.state, "running", JSON.stringify(status.problems));
        t.true(status.hosts.every((host) => host.healthy), JSON.stringify(status.hosts.map((host) => host.problems)));
        for (const host of status.hosts) t.is(await readGreeting(host.managementAddress, host.sshPort, 2_000).then((greeting) => greeting?.slice(0, 8)), "SSH-2.0-");

        const state = readRuntimeState(BENCH);
        const recorded = [...Object.values(state?.hosts ?? {}).map((host) => host.supervisor), state?.aptProxy, state?.gitDaemon].filter((record): record is ProcessRecord => record !== undefined);
        await benchDown(BENCH);
        t.deepEqual(await findLeftovers(BENCH, recorded), []);
    });
}
