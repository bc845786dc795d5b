// `mptcp-lab bench up | status | down`: the emulated bench from the command line.

import { type BenchStatus, benchDown, benchReboot, benchStatus, benchUp, defaultBenchPlan } from "../bench";
import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK, UsageError } from "./command";
import { type CommandSpec, helpText, type OptionTable, parseCommandLine } from "./options";
import { stepRunner } from "./tasks";

const SPEC = {
    synopsis: [
        "mptcp-lab bench up     [--name NAME] [--index I]   create or repair a bench (default: emulated, index 0)",
        "mptcp-lab bench status [--name NAME] [--json]      show it; exits 1 unless it is running",
        "mptcp-lab bench down   [--name NAME] [--purge]     remove it (--purge: keys and package cache too)",
        "mptcp-lab bench reboot HOST [--name NAME]          reboot one host (systemctl reboot inside it) and wait for SSH",
    ],
    about: ["Bench I uses 198.18.I.0/24 for the lab LAN and 198.19.I.0/24 for management (SSH, apt proxy, git)."],
    options: {
        name: { type: "string", value: "NAME", default: "emulated", description: "the bench (default: emulated)" },
        index: { type: "string", value: "I", description: "up: the bench's subnet index, 0 to 255 (default 0)" },
        json: { type: "boolean", description: "status: as JSON" },
        purge: { type: "boolean", description: "down: the bench's keys and package cache too" },
    },
    positionals: true,
    notes: ["Exit codes: 0 done (status: running), 1 failed (status: not running), 64 wrong usage."],
} as const satisfies CommandSpec<OptionTable>;
const USAGE = helpText(SPEC);

/** Options each action takes besides --name. */
const ACTION_OPTIONS: Readonly<Record<string, readonly string[]>> = { up: ["index"], status: ["json"], down: ["purge"], reboot: [] };

function parseIndex(text: string): number {
    if (!/^[0-9]{1,3}$/.test(text)) throw new UsageError(`--index takes a number from 0 to 255, not ${JSON.stringify(text)}`, USAGE);
    return Number(text);
}

export function formatStatus(status: BenchStatus): string {
    const lines = [`bench ${status.name}: ${status.state}`];
    if (status.state === "absent") return lines.join("\n");
    lines.push(`  management ${status.managementAddress}   apt proxy ${status.aptProxyUrl}   git ${status.gitBaseUrl}/<repository>`);
    lines.push(`  ssh key ${status.privateKeyPath}   known hosts ${status.knownHostsPath}`);
    for (const host of status.hosts) {
        const interfaces = host.interfaces.map((item) => `${item.name} ${item.cidr} ${item.up ? "up" : "down"}`).join(", ");
        const booted = host.bootedAt ? `booted ${host.bootedAt.replace(/\.\d+Z$/, "Z")}` : "not booted";
        lines.push(`  ${host.name.padEnd(12)} ssh ${host.user}@${host.managementAddress}   ${interfaces}   ${booted}   ${host.healthy ? "healthy" : "unhealthy"}`);
        for (const problem of host.problems) lines.push(`      problem: ${problem}`);
    }
    for (const problem of status.problems) lines.push(`  problem: ${problem}`);
    for (const limitation of status.limitations) lines.push(`  note: ${limitation}`);
    return lines.join("\n");
}

async function up(name: string, index: number, io: CommandIo): Promise<number> {
    const runner = stepRunner(io);
    const status = await benchUp(defaultBenchPlan(name, index), { log: (line) => runner.log(line), runTasks: (tasks) => runner.run(tasks) });
    const first = status.hosts[0];
    io.stdout.write(`${formatStatus(status)}\n`);
    if (first) {
        const sshOptions = `-i ${status.privateKeyPath} -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${status.knownHostsPath}`;
        io.stdout.write(`  try: ssh ${sshOptions} ${first.user}@${first.managementAddress}\n`);
    }
    return EXIT_OK;
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
    const parsed = parseCommandLine(SPEC, args, io);
    if (!parsed) return EXIT_OK;
    const { values, positionals } = parsed;
    const [action, ...extra] = positionals;
    const [hostName, ...rest] = action === "reboot" ? extra : [undefined, ...extra];
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(" ")}`, USAGE);
    const misplaced = (["index", "json", "purge"] as const).filter((option) => values[option] !== undefined && !ACTION_OPTIONS[action ?? ""]?.includes(option));
    if (action && ACTION_OPTIONS[action] && misplaced.length > 0) throw new UsageError(`bench ${action} does not take --${misplaced.join(", --")}`, USAGE);
    switch (action) {
        case "up":
            return up(values.name, parseIndex(values.index ?? "0"), io);
        case "status": {
            const status = await benchStatus(values.name);
            io.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
            return status.state === "running" ? EXIT_OK : EXIT_FAILURE;
        }
        case "down":
            await benchDown(values.name, { purge: values.purge === true });
            io.stdout.write(`bench ${values.name}: down\n`);
            return EXIT_OK;
        case "reboot": {
            if (hostName === undefined) throw new UsageError("bench reboot needs the host to reboot, e.g. bench reboot client", USAGE);
            const { host, seconds } = await benchReboot(values.name, hostName);
            io.stdout.write(`${host.name} rebooted: answering SSH again after ${seconds.toFixed(1)} s, booted ${host.bootedAt ?? "(unknown)"}\n`);
            return EXIT_OK;
        }
        default:
            throw new UsageError(action === undefined ? "missing action" : `unknown action ${JSON.stringify(action)}`, USAGE);
    }
}

export const benchCommand: Command = { run };
