// Link emulation. Rate: htb on the egress of both ends of a link (host side and switch side), so
// that both directions are shaped. Delay: a netem leaf under htb, when the kernel has netem. Loss:
// nftables in the switch namespace, dropping frames that enter or leave a port, because netem is
// not always built and nftables' random number generator needs nothing else.

import type { TcShapingSpec } from "../lab/types";
import { BenchError } from "./errors";
import { run, tryRun } from "./exec";
import type { BenchPlan } from "./plan";

/** What one end of a link gets: a rate unless a shared bottleneck replaces it, and a delay. */
export interface EgressShaping {
    readonly rateMbit?: number;
    readonly delayMs: number;
}

/** Bytes the shaper may send at once: 1 ms at the rate, at least ten full-size frames. */
export function burstBytes(rateMbit: number): number {
    return Math.max(15_140, Math.round((rateMbit * 1_000_000) / 8 / 1000));
}

/** `tc` argument lists (after `tc -n <namespace>`) shaping a device's egress, in order. */
export function egressShapingCommands(device: string, shaping: EgressShaping, netemAvailable: boolean): string[][] {
    const delayed = netemAvailable && shaping.delayMs > 0;
    const netem = ["netem", "delay", `${shaping.delayMs}ms`, "limit", "10000"];
    if (shaping.rateMbit === undefined) {
        return delayed ? [["qdisc", "replace", "dev", device, "root", "handle", "10:", ...netem]] : [];
    }
    const rate = `${shaping.rateMbit}mbit`;
    const burst = String(burstBytes(shaping.rateMbit));
    const leaf = delayed ? netem : ["pfifo", "limit", "1000"];
    return [
        ["qdisc", "replace", "dev", device, "root", "handle", "1:", "htb", "default", "1"],
        ["class", "replace", "dev", device, "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil", rate, "burst", burst, "cburst", burst, "quantum", "60000"],
        ["qdisc", "replace", "dev", device, "parent", "1:1", "handle", "10:", ...leaf],
    ];
}

/** The shaping of one end of a host interface's link under the plan. */
export function interfaceShaping(plan: BenchPlan, interfaceName: string): EgressShaping | undefined {
    const spec: TcShapingSpec | undefined = plan.shaping[interfaceName];
    if (!spec) return undefined;
    return plan.sharedBottleneckMbit === undefined ? { rateMbit: spec.rateMbit, delayMs: spec.delayMs } : { delayMs: spec.delayMs };
}

export interface PortLoss {
    /** Switch-side port name, e.g. `h0-wlan0`. */
    readonly port: string;
    readonly lossPercent: number;
}

const LOSS_TABLE = "mptcp_lab_loss";
const LOSS_SCALE = 1_000_000;

/** An nftables script (for `nft -f -` in the switch namespace) dropping the given share per direction. */
export function lossRulesScript(ports: readonly PortLoss[]): string {
    const lossy = ports.filter((port) => port.lossPercent > 0);
    if (lossy.length === 0) return "";
    const rules = lossy.flatMap((port) => {
        const threshold = Math.round((port.lossPercent / 100) * LOSS_SCALE);
        const random = `numgen random mod ${LOSS_SCALE} < ${threshold} drop`;
        return [`    iifname "${port.port}" ${random}`, `    oifname "${port.port}" ${random}`];
    });
    return [
        `table bridge ${LOSS_TABLE}`,
        `flush table bridge ${LOSS_TABLE}`,
        `table bridge ${LOSS_TABLE} {`,
        "  chain forward {",
        "    type filter hook forward priority 0; policy accept;",
        ...rules,
        "  }",
        "}",
        "",
    ].join("\n");
}

/** Why some of the plan cannot be emulated on this kernel, or nothing. */
export function shapingLimitations(plan: BenchPlan, netemAvailable: boolean): string[] {
    const delayed = Object.entries(plan.shaping).filter(([, spec]) => spec.delayMs > 0);
    if (netemAvailable || delayed.length === 0) return [];
    const names = delayed.map(([name]) => name).join(", ");
    return [`delay not emulated on ${names}: this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM); rate and loss are`];
}

/** True when the kernel accepts a netem qdisc: tried on a throwaway veth pair in the namespace. */
export async function probeNetem(namespace: string): Promise<boolean> {
    const probe = "netem-probe";
    const peer = "netem-peer";
    await tryRun("ip", ["-n", namespace, "link", "del", probe]);
    await run("ip", ["-n", namespace, "link", "add", probe, "type", "veth", "peer", "name", peer]);
    try {
        const added = await tryRun("tc", ["-n", namespace, "qdisc", "add", "dev", probe, "root", "netem", "delay", "1ms"]);
        if (added.ok) return true;
        if (/qdisc kind is unknown|unknown qdisc/i.test(added.stderr)) return false;
        throw new BenchError("BENCH_COMMAND_FAILED", `cannot probe for netem: ${added.stderr.trim()}`);
    } finally {
        await run("ip", ["-n", namespace, "link", "del", probe]);
    }
}

export async function applyEgressShaping(namespace: string, device: string, shaping: EgressShaping | undefined, netemAvailable: boolean): Promise<void> {
    if (!shaping) return;
    for (const command of egressShapingCommands(device, shaping, netemAvailable)) await run("tc", ["-n", namespace, ...command]);
}

export async function applyLossRules(switchNamespace: string, ports: readonly PortLoss[]): Promise<void> {
    const script = lossRulesScript(ports);
    if (script !== "") await run("ip", ["netns", "exec", switchNamespace, "nft", "-f", "-"], { input: script });
}
