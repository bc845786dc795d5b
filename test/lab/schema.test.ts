import test from "ava";
import labSchema from "../../lab/schema.json";
import { LAB_DEFAULTS } from "../../lab/normalise";
import { labValidator } from "../../lab/schema-check";

interface Node {
    readonly [keyword: string]: unknown;
    readonly description?: string;
    readonly properties?: Record<string, Node>;
    readonly patternProperties?: Record<string, Node>;
    readonly items?: Node;
    readonly definitions?: Record<string, Node>;
}

/** Every schema reachable through properties, map values, list items and definitions, with its path. */
function walk(node: Node, path: string): [string, Node][] {
    const children: [string, Node][] = [
        ...Object.entries(node.properties ?? {}).map(([name, child]): [string, Node] => [`${path}.${name}`, child]),
        ...Object.entries(node.patternProperties ?? {}).map(([pattern, child]): [string, Node] => [`${path}[${pattern}]`, child]),
        ...Object.entries(node.definitions ?? {}).map(([name, child]): [string, Node] => [`#${name}`, child]),
        ...(node.items ? [[`${path}[]`, node.items] as [string, Node]] : []),
    ];
    return [[path, node], ...children.flatMap(([childPath, child]) => walk(child, childPath))];
}

const schemaNodes = walk(labSchema as Node, "lab");

test("the lab schema is compiled once and then reused", (t) => {
    t.is(labValidator(), labValidator());
});

test("every property, map value and list item in the schema has a description", (t) => {
    t.deepEqual(
        schemaNodes.filter(([, node]) => typeof node.description !== "string" || node.description.length === 0).map(([path]) => path),
        [],
    );
});

test("every object in the schema refuses unknown keys", (t) => {
    t.deepEqual(
        schemaNodes.filter(([, node]) => (node.properties || node.patternProperties) && node.additionalProperties !== false).map(([path]) => path),
        [],
    );
});

test("the defaults the schema documents are the ones the normaliser applies", (t) => {
    const documented = Object.fromEntries(schemaNodes.filter(([, node]) => "default" in node).map(([path, node]) => [path.split(".").pop(), node.default]));
    t.deepEqual(documented, JSON.parse(JSON.stringify(LAB_DEFAULTS)));
});

const patternAt = (path: string): RegExp => {
    const node = schemaNodes.find(([candidate]) => candidate === path)?.[1];
    if (typeof node?.pattern !== "string") throw new Error(`no pattern at ${path}`);
    return new RegExp(node.pattern, "u");
};

const patternDecides = test.macro({
    exec(t, path: string, accepted: readonly string[], refused: readonly string[]) {
        const pattern = patternAt(path);
        t.deepEqual(accepted.filter((value) => !pattern.test(value)), [], "accepted values");
        t.deepEqual(refused.filter((value) => pattern.test(value)), [], "refused values");
    },
    title: (title) => `the pattern for ${title ?? ""} takes only safe values`,
});

test("interface names", patternDecides, "#interfaceName", ["eth0", "wlan0", "enp1s0", "wlp2s0"], ["eth0; reboot", "Eth0", "eth0\n", "", "eth-0", "$(reboot)", "a234567890123456"]);
test("host names", patternDecides, "#hostName", ["client", "server", "pi-4"], ["Client", "client;reboot", "-client", "client\n", "c".repeat(32)]);
test("package names", patternDecides, "#packageName", ["iperf3", "linux-libc-dev", "linux-headers-rpi-v8", "libstdc++6", "auto"], ["linux-headers-$(uname -r)", "iperf3 ", "-iperf3", "a", "Iperf3", "iperf3\nreboot"]);
test("git tags", patternDecides, "lab.iperf3.source.tag", ["3.21", "3.19.1", "master"], ["--upload-pack=reboot", "3.21\n", "3.21;reboot", ".hidden", "", "3.21 reboot"]);
test("repositories", patternDecides, "lab.iperf3.source.repository", [
    "https://github.com/esnet/iperf.git",
    "git://198.19.0.1/iperf.git",
    "ssh://git@github.com/esnet/iperf.git",
    "file:///srv/git/iperf.git",
    "https://mirror.example:8443/esnet/iperf.git",
], [
    "http://github.com/esnet/iperf.git",
    "https://github.com/esnet/iperf.git; reboot",
    "https://github.com/$(reboot)/iperf.git",
    "https://github.com/`reboot`/iperf.git",
    "https://github.com/'esnet'/iperf.git",
    'https://github.com/"esnet"/iperf.git',
    "https://github.com/esnet/iperf.git\n",
    "https://github.com/esnet iperf.git",
    "ext::sh -c reboot",
    "/srv/git/iperf.git",
    "--upload-pack=reboot",
    "https://-x/iperf.git",
]);
test("configure flags", patternDecides, "lab.iperf3.source.configureFlags[]", ["--disable-shared", "--prefix=/usr/local", "--with-openssl=no"], ["--prefix=/usr; reboot", "-x", "--prefix=$(reboot)", "--a b", "--prefix=`reboot`", "--prefix='/usr'"]);
test("users", patternDecides, "#host.connection.user", ["pi", "_svc", "user-1"], ["Pi", "pi;reboot", "1pi", "pi\n", "p".repeat(33), "$(whoami)"]);
test("host keys", patternDecides, "#host.connection.hostKey", [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake root@raspberrypi",
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=",
    "ssh-rsa AAAAB3NzaC1yc2E== user@host.local",
], [
    "ssh-dss AAAAB3NzaC1kc3M",
    "ssh-ed25519 AAAAC3Nz\nreboot",
    "ssh-ed25519 AAAAC3Nz $(reboot)",
    "ssh-ed25519 AAAAC3Nz `reboot`",
    "ssh-ed25519 AAAAC3Nz root@pi; reboot",
    "ssh-ed25519",
    "REPLACE-ME",
]);
test("interface addresses", patternDecides, "#cidr", ["198.18.0.133/24", "10.0.0.1/32", "0.0.0.0/0"], ["198.18.0.133", "198.18.0.133/33", "198.18.0.256/24", "198.018.0.1/24", "198.18.0.133/24; reboot"]);
test("run tokens", patternDecides, "lab.failover.runToken", ["1", "2025-06-01", "v2.run_3"], ["1; reboot", "", "a b", "$(date)"]);
test("lab and bench names", patternDecides, "lab.bench.name", ["emulated", "bench-2"], ["Emulated", "emulated;reboot", "b".repeat(16)]);
