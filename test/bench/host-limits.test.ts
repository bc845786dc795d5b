// The controller's inotify limits: raised to their floors when lower, never lowered.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { INOTIFY_FLOORS, inotifyRaises, raiseInotifyLimits } from "../../bench/host-limits";

test("only the settings below their floor are raised, to the floor", (t) => {
    t.deepEqual(inotifyRaises({ "fs/inotify/max_user_instances": 128, "fs/inotify/max_user_watches": 1_000_000 }), [{ setting: "fs/inotify/max_user_instances", from: 128, to: 1024 }]);
    t.deepEqual(inotifyRaises({ "fs/inotify/max_user_instances": 4096, "fs/inotify/max_user_watches": 524288 }), []);
});

test("the raise writes the floors into the sysctl files and says what it changed", (t) => {
    const procSys = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-procsys-"));
    t.teardown(() => fs.rmSync(procSys, { recursive: true, force: true }));
    fs.mkdirSync(path.join(procSys, "fs", "inotify"), { recursive: true });
    fs.writeFileSync(path.join(procSys, "fs/inotify/max_user_instances"), "128\n");
    fs.writeFileSync(path.join(procSys, "fs/inotify/max_user_watches"), "8192000\n");
    const lines = raiseInotifyLimits(procSys);
    t.is(lines.length, 1);
    t.regex(lines[0], /raised fs\.inotify\.max_user_instances from 128 to 1024/);
    t.is(fs.readFileSync(path.join(procSys, "fs/inotify/max_user_instances"), "utf8"), `${INOTIFY_FLOORS["fs/inotify/max_user_instances"]}\n`);
    t.is(fs.readFileSync(path.join(procSys, "fs/inotify/max_user_watches"), "utf8"), "8192000\n", "a higher value stays");
});
