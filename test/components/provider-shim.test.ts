// codedOperations: a provider's coded errors leave it with their coded line in front, for the
// engine's text; other errors and results pass unchanged.
import test from "ava";
import type * as pulumi from "@pulumi/pulumi";
import { codedOperations } from "../../components/provider-shim";
import { parseCodedErrors } from "../../errors";
import { RemoteStepError } from "../../remote/ssh";

const failing = (error: Error): pulumi.dynamic.ResourceProvider => ({
    async create() {
        throw error;
    },
    async read() {
        throw error;
    },
});

test("a coded error thrown by a provider reaches the engine with its coded line", async (t) => {
    const provider = codedOperations(failing(new RemoteStepError("ssh-connect", "client", "read host facts", "cannot connect")));
    for (const call of [() => provider.create({}), () => provider.read!("id", {})]) {
        const error = await t.throwsAsync(call());
        t.like(parseCodedErrors(error!.message), [{ code: "ssh-connect", host: "client", step: "read host facts", message: "client: read host facts: cannot connect" }]);
    }
});

test("another error and a result pass unchanged, and absent methods stay absent", async (t) => {
    const plain = new Error("plain");
    t.is(await t.throwsAsync(codedOperations(failing(plain)).create({})), plain);
    const provider = codedOperations({ create: async (inputs) => ({ id: "x", outs: inputs }) });
    t.deepEqual(await provider.create({ a: 1 }), { id: "x", outs: { a: 1 } });
    t.is(provider.diff, undefined);
});
