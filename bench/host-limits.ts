// The controller's inotify limits, which every bench host's systemd draws on: PID 1, journald,
// udev and logind each hold inotify instances, all counted against root on the controller.
// Debian's default of 128 instances per user runs out at about 22 running hosts (11 benches):
// the next host's systemd stops with "Failed to allocate manager object: Too many open files".
// Raised for the running kernel only (never lowered), as container tools recommend.
import * as fs from "node:fs";

/** Floors for a classroom of 16 benches (32 hosts) with room to spare. */
export const INOTIFY_FLOORS: Readonly<Record<string, number>> = {
    "fs/inotify/max_user_instances": 1024,
    "fs/inotify/max_user_watches": 524288,
};

/** The settings below their floor, with the value they get. */
export function inotifyRaises(current: Readonly<Record<string, number>>, floors = INOTIFY_FLOORS): { setting: string; from: number; to: number }[] {
    return Object.entries(floors)
        .filter(([setting, floor]) => (current[setting] ?? 0) < floor)
        .map(([setting, floor]) => ({ setting, from: current[setting] ?? 0, to: floor }));
}

/** Raises the controller's inotify limits to their floors; returns one line per setting raised. */
export function raiseInotifyLimits(procSys = "/proc/sys"): string[] {
    const current = Object.fromEntries(Object.keys(INOTIFY_FLOORS).map((setting) => [setting, Number(fs.readFileSync(`${procSys}/${setting}`, "utf8").trim())]));
    return inotifyRaises(current).map(({ setting, from, to }) => {
        fs.writeFileSync(`${procSys}/${setting}`, `${to}\n`);
        return `raised ${setting.replace(/\//g, ".")} from ${from} to ${to} for this boot (each bench host's systemd holds inotify instances)`;
    });
}
