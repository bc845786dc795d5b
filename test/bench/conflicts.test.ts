import test from "ava";
import { findConflicts } from "../../bench/conflicts";
import { defaultBenchPlan } from "../../bench/plan";
import { objectNames } from "../../bench/state";

const plan = defaultBenchPlan("t-new", 5);
const names = objectNames(plan);

test("a bench apart from the others and from the routes has no conflict", (t) => {
    const other = defaultBenchPlan("t-other", 6);
    const routes = [{ dst: "default", dev: "eth0" }, { dst: "10.0.0.0/24", dev: "eth0" }];
    t.deepEqual(findConflicts(plan, names, [{ plan: other, names: objectNames(other) }], routes), []);
});

test("another bench on the same subnets is a conflict", (t) => {
    const other = defaultBenchPlan("t-other", 5);
    const problems = findConflicts(plan, names, [{ plan: other, names: objectNames(other) }], []);
    t.deepEqual(
        problems.map((problem) => [problem.code, problem.path]),
        [["BENCH_CONFLICT", "subnet"]],
    );
});

test("a foreign route into the management subnet is a conflict", (t) => {
    const problems = findConflicts(plan, names, [], [{ dst: "198.19.5.0/24", dev: "docker0" }]);
    t.deepEqual(
        problems.map((problem) => problem.path),
        ["root routes"],
    );
});

test("the bench's own routes are not a conflict", (t) => {
    const routes = [
        { dst: "198.19.5.0/24", dev: names.managementBridge },
        { dst: "198.18.5.0/24", type: "unreachable" },
    ];
    t.deepEqual(findConflicts(plan, names, [], routes), []);
});

test("a host route inside the lab subnet is a conflict", (t) => {
    t.is(findConflicts(plan, names, [], [{ dst: "198.18.5.9", dev: "eth0" }]).length, 1);
});
