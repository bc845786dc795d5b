import test from "ava";
import { dataConnections, parseMonitorLog } from "../../failover/monitor-log";

// As the runner writes it: iproute2 6.1's `ip mptcp monitor` lines behind the time they were read.
const LOG = [
    "100.010000 [       CREATED] token=aaaa0001 remid=0 locid=0 saddr4=198.18.200.133 daddr4=198.18.200.218 sport=40000 dport=5201",
    "100.011000 [   ESTABLISHED] token=aaaa0001 remid=0 locid=0 saddr4=198.18.200.133 daddr4=198.18.200.218 sport=40000 dport=5201",
    "100.012000 [       CREATED] token=bbbb0002 remid=0 locid=0 saddr4=198.18.200.133 daddr4=198.18.200.218 sport=40002 dport=5201",
    "100.020000 [     ANNOUNCED] token=aaaa0001 remid=1 daddr4=198.18.200.237 dport=5201",
    "100.021000 [SF_ESTABLISHED] token=aaaa0001 remid=1 locid=0 saddr4=198.18.200.133 daddr4=198.18.200.237 sport=41000 dport=5201 backup=0",
    "100.022000 [SF_ESTABLISHED] token=aaaa0001 remid=0 locid=1 saddr4=198.18.200.173 daddr4=198.18.200.218 sport=41001 dport=5201 backup=0 ifindex=3",
    "100.023000 [SF_ESTABLISHED] token=bbbb0002 remid=0 locid=1 saddr4=198.18.200.173 daddr4=198.18.200.218 sport=41002 dport=5201 backup=0 ifindex=3",
    "Error: some complaint on stderr that ended up here",
    "",
    "108.500000 [        CLOSED] token=bbbb0002",
    "100.500000 [       CREATED] token=cccc0003 remid=0 locid=0 saddr4=198.18.200.133 daddr4=198.18.200.9 sport=40010 dport=22",
].join("\n");

test("monitor lines become events timed from the reference", (t) => {
    const events = parseMonitorLog(LOG, 100);
    t.is(events.length, 9);
    t.is(events[0].time.toFixed(3), "0.010");
    t.deepEqual(events[0], {
        time: events[0].time,
        type: "CREATED",
        fields: {
            token: "aaaa0001",
            remid: "0",
            locid: "0",
            saddr4: "198.18.200.133",
            daddr4: "198.18.200.218",
            sport: "40000",
            dport: "5201",
        },
    });
    t.is(events[7].type, "CLOSED");
    t.is(events[7].time.toFixed(3), "8.500");
});

test("without a reference the first event is time zero", (t) => {
    const events = parseMonitorLog(LOG, null);
    t.is(events[0].time, 0);
    t.is(events[1].time.toFixed(3), "0.001");
});

test("under mptcpize the first connection to the test port is iperf3's control connection", (t) => {
    const events = parseMonitorLog(LOG, 100);
    t.deepEqual(dataConnections(events, { port: 5201, controlConnectionIsMptcp: true }), {
        tokens: ["bbbb0002"],
        subflowsJoined: 1,
    });
});

test("with iperf3's own MPTCP every connection to the test port carries data", (t) => {
    const events = parseMonitorLog(LOG, 100);
    t.deepEqual(dataConnections(events, { port: 5201, controlConnectionIsMptcp: false }), {
        tokens: ["aaaa0001", "bbbb0002"],
        subflowsJoined: 1, // the fewest: every stream has to survive
    });
});

test("connections to other ports are not the test's", (t) => {
    const events = parseMonitorLog(LOG, 100);
    t.deepEqual(dataConnections(events, { port: 22, controlConnectionIsMptcp: false }).tokens, ["cccc0003"]);
    t.is(dataConnections(events, { port: 22, controlConnectionIsMptcp: false }).subflowsJoined, 0);
});

test("a lone control connection under mptcpize verifies nothing", (t) => {
    const events = parseMonitorLog(LOG.split("\n").slice(0, 2).join("\n"), 100);
    t.deepEqual(dataConnections(events, { port: 5201, controlConnectionIsMptcp: true }), { tokens: [], subflowsJoined: 0 });
});

test("an empty log has no events", (t) => {
    t.deepEqual(parseMonitorLog("", 0), []);
});
