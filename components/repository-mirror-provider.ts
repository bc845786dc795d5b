// Dynamic provider that offers a lab's git repository to an emulated bench's hosts: the
// controller's mirror (toolchain/git-mirror.ts) copied into the bench's git daemon. `diff` looks
// for the bench's copy, so a bench that was rebuilt gets it again.
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { codedOperations } from "./provider-shim";
import { VALUE_RULES } from "../lab/value-rules";
import { offerGitRepository } from "../bench";
import { benchPaths } from "../bench/naming";
import { ensureMirror, hasTag, mirrorName } from "../toolchain/git-mirror";

export interface RepositoryMirrorInputs {
    benchName: string;
    /** The lab's repository URL, as the hosts' git asks for it. */
    repository: string;
    /** The tag the lab builds; the mirror is refreshed when it lacks it. */
    tag: string;
    providerVersion: string;
}

export interface RepositoryMirrorOutputs extends RepositoryMirrorInputs {
    /** Where the hosts fetch from instead, e.g. `git://198.19.0.1/esnet-iperf`. */
    mirrorUrl: string;
    /** Where the controller's mirror came from this time: cache, bundle or network. */
    seededFrom: string;
}

function benchCopy(inputs: RepositoryMirrorInputs): string {
    return path.join(benchPaths(inputs.benchName).gitDir, `${mirrorName(inputs.repository)}.git`);
}

async function offer(inputs: RepositoryMirrorInputs): Promise<RepositoryMirrorOutputs> {
    const mirror = await ensureMirror(inputs.repository, inputs.tag);
    const mirrorUrl = await offerGitRepository(inputs.benchName, mirrorName(inputs.repository), mirror.path);
    return { ...inputs, mirrorUrl, seededFrom: mirror.source };
}

// The engine loads this through a shim; its version, bumped when its behaviour changes, is in ./providers.ts.
export const operations: pulumi.dynamic.ResourceProvider = codedOperations({
    async check(_olds: RepositoryMirrorInputs, news: RepositoryMirrorInputs) {
        const rules = [["benchName", VALUE_RULES.benchName], ["repository", VALUE_RULES.gitUrl], ["tag", VALUE_RULES.gitTag]] as const;
        const failures = rules.filter(([property, rule]) => !rule.pattern.test(news[property])).map(([property, rule]) => ({ property, reason: `${JSON.stringify(news[property])} is not ${rule.description}` }));
        return { inputs: news, failures };
    },
    async diff(_id: string, olds: RepositoryMirrorOutputs, news: RepositoryMirrorInputs) {
        // Another tag needs work only when the bench's copy lacks it (a tag change is iperf3's).
        const changed = (["benchName", "repository", "providerVersion"] as const).some((key) => olds[key] !== news[key]);
        return { changes: changed || !fs.existsSync(benchCopy(news)) || !(await hasTag(benchCopy(news), news.tag)) };
    },
    async create(inputs: RepositoryMirrorInputs) {
        return { id: `mirror/${inputs.benchName}/${mirrorName(inputs.repository)}`, outs: await offer(inputs) };
    },
    async update(_id: string, _olds: RepositoryMirrorOutputs, news: RepositoryMirrorInputs) {
        return { outs: await offer(news) };
    },
    async read(id: string, props: RepositoryMirrorOutputs) {
        // A bench rebuilt without the copy shows as a lost mirror URL, which `diff` repairs.
        return { id, props: { ...props, mirrorUrl: fs.existsSync(benchCopy(props)) ? props.mirrorUrl : "" } };
    },
    async delete() {
        // The bench's copy goes with the bench; the controller's mirror stays in its cache.
    },
});
