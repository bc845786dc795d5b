// How SSH steps use connections, against an in-process ssh2 server on the loopback: steps at once
// or back to back share one connection, an idle one closes, a connection the host dropped is
// replaced for the next step, and more steps at once than one connection takes open another.
import test from "ava";
import { type InProcessHost, inProcessHost } from "../helpers/in-process-ssh-host";
import { IDLE_CLOSE_MS, runRemote } from "../../remote/ssh";

/** A host that answers every exec with `connection <n>` after `delayMs`, exit status 0. */
function fakeHost(delayMs = 0): Promise<InProcessHost> {
    return inProcessHost((channel, _command, connection) => {
        channel.on("data", () => undefined);
        setTimeout(() => {
            channel.write(`connection ${connection}\n`);
            channel.exit(0);
            channel.end();
        }, delayMs);
    });
}

const step = (host: InProcessHost, name: string) => runRemote(host.connection, { host: "fake", step: name, script: "true\n", timeoutSeconds: 30 }).then((result) => result.stdout.trim());
const idle = () => new Promise((resolve) => setTimeout(resolve, IDLE_CLOSE_MS + 500));

test("steps at once and back to back share one connection, and a step after it went idle opens a new one", async (t) => {
    const host = await fakeHost(50);
    t.teardown(() => host.close());
    t.deepEqual(await Promise.all([step(host, "read facts"), step(host, "read endpoints")]), ["connection 1", "connection 1"]);
    t.is(await step(host, "apply endpoints"), "connection 1");
    await idle();
    t.is(await step(host, "read facts again"), "connection 2");
    t.is(host.connections(), 2);
    await idle();
});

test("a connection the host dropped is replaced for the next step", async (t) => {
    const host = await fakeHost();
    t.teardown(() => host.close());
    t.is(await step(host, "before the reboot"), "connection 1");
    host.dropAll();
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.is(await step(host, "after the reboot"), "connection 2");
    await idle();
});

test("more steps at once than one connection takes open a second connection", async (t) => {
    const host = await fakeHost(300);
    t.teardown(() => host.close());
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => step(host, `step ${i}`)));
    t.is(answers.filter((answer) => answer === "connection 1").length, 6);
    t.true(answers.every((answer) => /^connection \d+$/.test(answer)));
    t.true(host.connections() >= 2);
    await idle();
});
