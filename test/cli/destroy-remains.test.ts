import test from "ava";
import type { BenchStatus } from "../../bench";
import { removeBenchRemains } from "../../cli/lab-commands";

/** A bench module stand-in: reports `state` for any bench and records what is taken down. */
function fakeBench(state: BenchStatus["state"]) {
    const downs: string[] = [];
    return {
        downs,
        bench: {
            status: async (name: string) => ({ name, state }) as BenchStatus,
            down: async (name: string) => void downs.push(name),
        },
    };
}

for (const state of ["degraded", "running"] as const) {
    test(`a destroy takes down a bench left ${state} that the stack's state does not know`, async (t) => {
        const { downs, bench } = fakeBench(state);
        const lines: string[] = [];
        await removeBenchRemains("emulated", (line) => lines.push(line), bench);
        t.deepEqual(downs, ["emulated"]);
        t.is(lines.length, 1);
        t.regex(lines[0], new RegExp(`^bench: emulated is still there \\(${state}\\)`));
    });
}

test("a destroy that left no bench has nothing more to do", async (t) => {
    const { downs, bench } = fakeBench("absent");
    const lines: string[] = [];
    await removeBenchRemains("emulated", (line) => lines.push(line), bench);
    t.deepEqual(downs, []);
    t.deepEqual(lines, []);
});

test("a stack whose lab does not validate is said so and left to the engine", async (t) => {
    const { downs, bench } = fakeBench("degraded");
    const lines: string[] = [];
    // The seed lab's host-key placeholders make it invalid.
    await removeBenchRemains("seed-lab", (line) => lines.push(line), bench);
    t.deepEqual(downs, []);
    t.deepEqual(lines, ["bench: the lab of seed-lab does not validate; not looking for a bench it may have left"]);
});
