import test from "ava";
import { join } from "node:path";
import { loadLabFile, validateLabText, type LabSpec } from "../../lab";
import { declaredPlaces, GOOD_DIR, placeOf, readFixture, sorted, unfrozenPaths, yamlFilesIn } from "./fixtures";

const loads = (name: string) => loadLabFile(join(GOOD_DIR, name));

const usableAndFrozen = test.macro({
    exec(t, file: string) {
        const text = readFixture(GOOD_DIR, file);
        const result = validateLabText(text, file);
        t.truthy(result.spec);
        t.true(result.problems.every((problem) => problem.severity === "warning"));
        t.deepEqual(sorted(result.problems.map(placeOf)), sorted(declaredPlaces(text)));
        t.deepEqual(unfrozenPaths(result.spec), []);
    },
    title: (_, file: string) => `good lab ${file} normalises to a deeply frozen spec with only its declared warnings`,
});

for (const file of yamlFilesIn(GOOD_DIR)) test(usableAndFrozen, file);

const seedHost = (name: string, role: "client" | "server", eth0: string, wlan0: string, hostKey: string) => ({
    name,
    role,
    connection: { address: eth0, port: 22, user: "pi", hostKey },
    interfaces: [
        { name: "eth0", cidr: `${eth0}/24`, address: eth0 },
        { name: "wlan0", cidr: `${wlan0}/24`, address: wlan0 },
    ],
    endpoints: [{ address: wlan0, device: "wlan0", flags: [role === "client" ? "subflow" : "signal"] }],
    limits: { subflows: 2, addAddrAccepted: role === "client" ? 4 : 2 },
    headers: { package: "auto" },
    persist: false,
});

const SEED_LAB_SPEC: LabSpec = {
    name: "seed-lab",
    hosts: [
        seedHost("client", "client", "172.31.0.133", "172.31.0.173", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeClientKeyForTestsOnly000000000000 root@client"),
        seedHost("server", "server", "172.31.0.218", "172.31.0.237", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeServerKeyForTestsOnly000000000000"),
    ] as LabSpec["hosts"],
    iperf3: { from: "source", repository: "https://github.com/esnet/iperf.git", tag: "3.21", configureFlags: [], mptcp: "native" },
    failover: {
        host: "client",
        interface: "wlan0",
        durationSeconds: 10,
        intervalSeconds: 0.1,
        downAtSeconds: 3,
        upAtSeconds: 7,
        direction: "forward",
        control: true,
        runToken: "1",
        repeat: 1,
        failback: "stay",
        allowOnlyPath: false,
        allowManagementPath: false,
    },
};

test("the seed lab for real Raspberry Pis normalises to the expected spec", (t) => {
    const { spec, warnings } = loads("seed-lab.yaml");
    t.deepEqual(spec, SEED_LAB_SPEC);
    t.deepEqual(warnings, []);
});

test("the minimal emulated lab fills in every default", (t) => {
    const { spec } = loads("emulated.yaml");
    t.deepEqual(spec.bench, {
        name: "emulated",
        subnet: "198.18.0.0/24",
        managementSubnet: "198.19.0.0/24",
        suite: "trixie",
        user: "pi",
        networkManager: [],
        shaping: { eth0: { rateMbit: 200, delayMs: 1, lossPercent: 0 }, wlan0: { rateMbit: 100, delayMs: 3, lossPercent: 0 } },
    });
    t.deepEqual(
        spec.hosts.map((host) => ({ name: host.name, connection: host.connection, endpoints: host.endpoints, limits: host.limits, headers: host.headers, persist: host.persist })),
        [
            { name: "client", connection: undefined, endpoints: [{ address: "198.18.0.173", device: "wlan0", flags: ["subflow"] }], limits: { subflows: 2, addAddrAccepted: 2 }, headers: { package: "auto" }, persist: false },
            { name: "server", connection: undefined, endpoints: [{ address: "198.18.0.237", device: "wlan0", flags: ["signal"] }], limits: { subflows: 2, addAddrAccepted: 2 }, headers: { package: "auto" }, persist: false },
        ],
    );
    t.deepEqual(spec.iperf3, { from: "package", package: "iperf3", mptcp: "auto" });
    t.deepEqual(spec.failover, {
        host: "client",
        interface: "wlan0",
        durationSeconds: 10,
        intervalSeconds: 0.1,
        downAtSeconds: 3,
        direction: "forward",
        control: true,
        runToken: "1",
        repeat: 1,
        failback: "stay",
        allowOnlyPath: false,
        allowManagementPath: false,
    });
    t.false("upAtSeconds" in spec.failover);
});

test("an unquoted tag is read as written, so 3.20 stays 3.20 rather than 3.2", (t) => {
    const { spec } = loads("explicit.yaml");
    t.like(spec.iperf3, { from: "source", tag: "3.20", repository: "git://198.19.7.1/iperf.git", configureFlags: ["--disable-shared", "--without-openssl"], mptcp: "auto" });
});

test("hosts take the settings merged in from an anchor and keep their interface order", (t) => {
    const { spec } = loads("explicit.yaml");
    const [client, server] = spec.hosts;
    t.deepEqual(client.interfaces.map((entry) => entry.name), ["enp1s0", "wlan0", "wlan1"]);
    t.deepEqual(client.endpoints.map((endpoint) => endpoint.device), ["wlan0", "wlan1"]);
    t.deepEqual(server.endpoints, [{ address: "198.18.5.20", device: "wlan0", flags: ["signal", "backup"], id: 7 }]);
    for (const host of [client, server]) t.like(host, { limits: { subflows: 3, addAddrAccepted: 3 }, headers: { package: "linux-libc-dev" }, persist: true });
});

test("a shaping table given in the lab replaces the default one", (t) => {
    const { spec } = loads("explicit.yaml");
    t.deepEqual(spec.bench?.shaping, { enp1s0: { rateMbit: 500, delayMs: 0, lossPercent: 0 }, wlan0: { rateMbit: 54, delayMs: 8, lossPercent: 0.5 } });
    t.is(spec.bench?.sharedBottleneckMbit, 300);
});

test("explicit failover settings are kept, overrides included", (t) => {
    const { spec } = loads("explicit.yaml");
    t.like(spec.failover, { host: "server", durationSeconds: 20, intervalSeconds: 0.5, downAtSeconds: 5, direction: "reverse", control: false, runToken: "2025-06-01", allowManagementPath: true });
});

test("loading a lab returns its warnings beside the spec", (t) => {
    const { warnings } = loads("native-package.yaml");
    t.deepEqual(warnings.map(placeOf), ["iperf3-native-package 21:10 iperf3.mptcp"]);
});

test("the frozen spec refuses changes", (t) => {
    const { spec } = loads("seed-lab.yaml");
    t.throws(() => {
        (spec.hosts[0].limits as { subflows: number }).subflows = 8;
    }, { instanceOf: TypeError });
});
