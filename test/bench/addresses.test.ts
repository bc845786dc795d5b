import test from "ava";
import { contains, formatIpv4, isHostAddressOf, mustParseCidr, nthAddress, overlaps, parseCidr, parseIpv4 } from "../../bench/addresses";

const parses = test.macro({
    exec(t, text: string, expected: number | undefined) {
        t.is(parseIpv4(text), expected);
    },
    title: (_provided, text: string, expected: number | undefined) => `parseIpv4 reads ${JSON.stringify(text)} as ${expected ?? "invalid"}`,
});

test(parses, "198.18.0.133", 198 * 2 ** 24 + 18 * 2 ** 16 + 133);
test(parses, "0.0.0.0", 0);
test(parses, "255.255.255.255", 2 ** 32 - 1);
test(parses, "198.18.0", undefined);
test(parses, "198.18.0.256", undefined);
test(parses, "198.18.00.1", undefined);
test(parses, "198.18.0.1 ", undefined);
test(parses, "a.b.c.d", undefined);

test("formatIpv4 turns a number back into dotted quads", (t) => {
    t.is(formatIpv4(parseIpv4("198.19.7.10") ?? -1), "198.19.7.10");
});

const cidrs = test.macro({
    exec(t, text: string, valid: boolean) {
        t.is(parseCidr(text) !== undefined, valid);
    },
    title: (_provided, text: string, valid: boolean) => `parseCidr ${valid ? "accepts" : "rejects"} ${JSON.stringify(text)}`,
});

test(cidrs, "198.18.0.0/24", true);
test(cidrs, "198.18.0.133/24", true);
test(cidrs, "198.18.0.0/33", false);
test(cidrs, "198.18.0.0", false);
test(cidrs, "198.18.0.0/24/1", false);

test("contains and overlaps follow the prefix length", (t) => {
    const range = mustParseCidr("198.18.0.0/15");
    t.true(contains(range, parseIpv4("198.19.255.255") ?? 0));
    t.false(contains(range, parseIpv4("198.20.0.0") ?? 0));
    t.true(overlaps(mustParseCidr("198.18.7.0/24"), range));
    t.false(overlaps(mustParseCidr("198.18.7.0/24"), mustParseCidr("198.18.8.0/24")));
});

test("isHostAddressOf excludes the network and broadcast addresses", (t) => {
    const subnet = mustParseCidr("198.18.0.0/24");
    t.false(isHostAddressOf(subnet, parseIpv4("198.18.0.0") ?? 0));
    t.true(isHostAddressOf(subnet, parseIpv4("198.18.0.1") ?? 0));
    t.false(isHostAddressOf(subnet, parseIpv4("198.18.0.255") ?? 0));
});

test("nthAddress counts from the network address and refuses to leave it", (t) => {
    t.is(nthAddress(mustParseCidr("198.19.7.0/24"), 10), "198.19.7.10");
    t.throws(() => nthAddress(mustParseCidr("198.19.7.0/28"), 16), { instanceOf: RangeError });
});
