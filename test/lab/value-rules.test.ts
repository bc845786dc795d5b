// The rule table is the one definition of each value rule: the lab schema and the failover
// runner's shell copy must say exactly what it says.
import test from "ava";
import * as fs from "fs";
import labSchema from "../../lab/schema.json";
import { runnerScriptPath } from "../../failover";
import { RANGE_RULES, VALUE_RULES, type ValueRuleName } from "../../lab/value-rules";
import { requireSafe, shellSafe, UnsafeValueError } from "../../remote/shell";

/** Where the schema states a rule: a `pattern`, or a key of `patternProperties` (marked `[key]`). */
const schemaRules: Record<string, ValueRuleName> = {
    "properties/name": "labName",
    "properties/bench/properties/name": "benchName",
    "properties/bench/properties/suite": "suite",
    "properties/bench/properties/shaping[key]": "interfaceName",
    "properties/hosts[key]": "hostName",
    "properties/iperf3/properties/source/properties/repository": "gitUrl",
    "properties/iperf3/properties/source/properties/tag": "gitTag",
    "properties/iperf3/properties/source/properties/configureFlags/items": "configureFlag",
    "properties/failover/properties/runToken": "runToken",
    "definitions/hostName": "hostName",
    "definitions/interfaceName": "interfaceName",
    "definitions/packageName": "packageName",
    "definitions/cidr": "cidr",
    "definitions/host/properties/connection/properties/user": "loginUser",
    "definitions/host/properties/connection/properties/hostKey": "hostKey",
    "definitions/host/properties/interfaces[key]": "interfaceName",
};

/** Every pattern in the schema, by where it is; `^x-` (keys mptcp-lab ignores) is no value rule. */
function schemaPatterns(node: unknown, path: string[] = []): [string, string][] {
    if (typeof node !== "object" || node === null) return [];
    return Object.entries(node).flatMap(([key, child]): [string, string][] => {
        if (key === "pattern" && typeof child === "string") return [[path.join("/"), child]];
        if (key === "patternProperties") {
            return Object.entries(child as Record<string, unknown>).flatMap(([pattern, value]): [string, string][] => [
                ...(pattern === "^x-" ? [] : [[`${path.join("/")}[key]`, pattern] as [string, string]]),
                ...schemaPatterns(value, [...path, key, pattern]),
            ]);
        }
        return schemaPatterns(child, [...path, key]);
    });
}

const patterns = schemaPatterns(labSchema);

test("every pattern in the lab schema is a rule of the table", (t) => {
    t.deepEqual(patterns.map(([path]) => path).sort(), Object.keys(schemaRules).sort());
});

test("every pattern in the lab schema is exactly its rule's", (t) => {
    const differing = patterns.filter(([path, pattern]) => new RegExp(pattern, "u").source !== VALUE_RULES[schemaRules[path]].pattern.source);
    t.deepEqual(differing, []);
});

test("run-failover.sh checks interface names with the table's rule", (t) => {
    const script = fs.readFileSync(runnerScriptPath, "utf8");
    const copy = /^valid_interface\(\) \{ \[\[ \$1 =~ (\S+) \]\]; \}$/m.exec(script);
    t.is(copy?.[1], VALUE_RULES.interfaceName.pattern.source);
});

test("the schema's ranges for MPTCP limits and repeated runs are the table's", (t) => {
    const limits = labSchema.definitions.host.properties.limits.properties;
    const ranges = [limits.subflows, limits.addAddrAccepted, labSchema.properties.failover.properties.repeat].map((node) => [node.minimum, node.maximum]);
    const { mptcpLimit, repeat } = RANGE_RULES;
    t.deepEqual(ranges, [[mptcpLimit.minimum, mptcpLimit.maximum], [mptcpLimit.minimum, mptcpLimit.maximum], [repeat.minimum, repeat.maximum]]);
});

/** Whether `value` is a string the named rule accepts. */
const follows = (rule: ValueRuleName, value: unknown): boolean => typeof value === "string" && VALUE_RULES[rule].pattern.test(value);

const decides = test.macro({
    exec(t, rule: ValueRuleName, accepted: readonly string[], refused: readonly unknown[]) {
        t.deepEqual(accepted.filter((value) => !follows(rule, value)), [], "accepted values");
        t.deepEqual(refused.filter((value) => follows(rule, value)), [], "refused values");
    },
    title: (_title, rule: ValueRuleName) => `the ${rule} rule accepts what it should and refuses the rest`,
});

test(decides, "interfaceName", ["eth0", "wlan0", "enp1s0", "a23456789012345"], ["", "Eth0", "eth0.100", "-wlan0", "../eth0", "eth0;reboot", "a234567890123456", 0]);
test(decides, "ipv4", ["198.18.0.133", "0.0.0.0", "255.255.255.255"], ["198.18.0.256", "198.18.0", "198.18.0.1/24", "198.18.0.01x", " 198.18.0.1"]);
test(decides, "cidr", ["198.18.0.133/24", "10.0.0.0/8", "0.0.0.0/0"], ["198.18.0.133", "198.18.0.133/33", "198.18.0.1/24;id"]);
test(decides, "benchName", ["emulated", "t-bench", "a23456789012345"], ["Emulated", "a234567890123456", "1bench"]);

test("a value refused on its way to a host carries its rule's hint", (t) => {
    const error = t.throws(() => requireSafe("failover.interface", "eth0;reboot", shellSafe.interfaceName), { instanceOf: UnsafeValueError });
    t.is(error?.code, "unsafe-value");
    t.true(error?.hint.includes(VALUE_RULES.interfaceName.hint));
});
