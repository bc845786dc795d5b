import test from "ava";
import { validateLabText } from "../../lab";
import { shellSafe } from "../../remote/shell";
import { placeOf } from "../lab/fixtures";

// One rule for a repository URL: the lab schema's pattern, which shellSafe.gitUrl reads, so what
// validate accepts is exactly what may reach a host's shell. Each attack is refused by both.
const lab = (repository: string) => `name: git-url
hosts:
  client:
    role: client
    connection: {address: 172.31.0.133, user: pi, hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGNsaWVudA}
    interfaces: {eth0: 172.31.0.133/24, wlan0: 172.31.0.173/24}
  server:
    role: server
    connection: {address: 172.31.0.218, user: pi, hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNlcnZlcg}
    interfaces: {eth0: 172.31.0.218/24, wlan0: 172.31.0.237/24}
iperf3:
  source:
    repository: ${JSON.stringify(repository)}
    tag: "3.21"
failover: {host: client, interface: wlan0}
`;

const refused = test.macro({
    exec(t, url: string) {
        t.false(shellSafe.gitUrl.test(url), "shellSafe.gitUrl refuses it");
        const problems = validateLabText(lab(url), "git-url.yaml").problems.filter((problem) => problem.severity === "error");
        t.deepEqual(problems.map(placeOf), ["schema-pattern 13:17 iperf3.source.repository"]);
    },
    title: (what, url: string) => `${what}: ${JSON.stringify(url)} is refused by validate and before any shell`,
});

const accepted = test.macro({
    exec(t, url: string) {
        t.true(shellSafe.gitUrl.test(url), "shellSafe.gitUrl accepts it");
        t.truthy(validateLabText(lab(url), "git-url.yaml").spec);
    },
    title: (what, url: string) => `${what}: ${JSON.stringify(url)} is accepted by validate and by the shell guard`,
});

test("a user name that is an ssh option", refused, "ssh://-oProxyCommand=touch${IFS}pwned@example.org/iperf.git");
test("a user name starting with a dash", refused, "ssh://-x@example.org/iperf.git");
test("a host that is an ssh option", refused, "ssh://-oProxyCommand=reboot/iperf.git");
test("a host starting with a dash", refused, "https://-example.org/iperf.git");
test("a password in the URL", refused, "https://user:secret@example.org/iperf.git");
test("plain http", refused, "http://github.com/esnet/iperf.git");
test("percent escapes in the path", refused, "https://github.com/%2e%2e/iperf.git");
test("a percent-encoded line break", refused, "https://github.com/esnet/iperf.git%0a--upload-pack=reboot");
test("a parent-directory segment", refused, "file:///srv/git/../../etc/shadow");
test("a current-directory segment", refused, "https://github.com/./esnet/iperf.git");
test("git's ext transport", refused, "ext::sh -c reboot");
test("git's fd transport", refused, "fd::0");
test("an option instead of a URL", refused, "--upload-pack=reboot");
test("an scp-like address", refused, "git@github.com:esnet/iperf.git");
test("a space and a second argument", refused, "https://github.com/esnet/iperf.git --upload-pack=reboot");
test("a command substitution", refused, "https://github.com/$(reboot)/iperf.git");
test("a quote", refused, "https://github.com/esnet'/iperf.git");
test("a line break", refused, "https://github.com/esnet/iperf.git\nreboot");
test("a non-ASCII look-alike host", refused, "https://g\u0456thub.com/esnet/iperf.git");
test("a port with letters", refused, "ssh://example.org:22x/iperf.git");
test("a user name longer than 64 characters", refused, `ssh://${"u".repeat(65)}@example.org/iperf.git`);

test("the upstream repository", accepted, "https://github.com/esnet/iperf.git");
test("the bench's git daemon", accepted, "git://198.19.0.1/iperf-fixture");
test("ssh with a user and a port", accepted, "ssh://git@mirror.example:2222/esnet/iperf.git");
test("a local mirror", accepted, "file:///srv/git/iperf.git");
test("a path with a trailing slash and dots inside names", accepted, "https://mirror.example/iperf..mirror/v3.x/");
