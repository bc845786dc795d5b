// A stack's resources as its state records them, as `pulumi stack export --show-secrets` gives
// them (toolchain/file-backend.ts): what `drift` reads the hosts with (their connections are
// secrets) and holds them against, without starting an engine.
import type { OutputMap } from "@pulumi/pulumi/automation";
import { type ExportedState, SECRET_SIGNATURE, SECRET_SIGNATURE_KEY } from "./file-backend";

/** One resource of the state, its secrets in plain values. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly id: string;
    readonly inputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
}

/** A state value with every secret replaced by its plain value; a secret left encrypted throws. */
export function revealSecrets(value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((item, index) => revealSecrets(item, `${where}[${index}]`));
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, unknown>;
    if (object[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE) {
        if (typeof object.plaintext !== "string") throw new Error(`the state's secret at ${where} is not in plain text: export it with --show-secrets`);
        return revealSecrets(JSON.parse(object.plaintext), where);
    }
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, revealSecrets(item, `${where}.${key}`)]));
}

interface ExportedResource {
    urn?: unknown;
    type?: unknown;
    id?: unknown;
    inputs?: unknown;
    outputs?: unknown;
    delete?: unknown;
}

/**
 * The resources of an exported deployment, secrets revealed. Left out: resources the engine
 * keeps only to delete them (`delete: true`, the old half of a replacement), which no longer
 * describe the hosts.
 */
export function recordedResources(exported: ExportedState, types?: ReadonlySet<string>): RecordedResource[] {
    const resources = (exported.deployment as { resources?: ExportedResource[] } | undefined)?.resources ?? [];
    return resources
        .filter((resource) => resource.delete !== true && typeof resource.urn === "string" && typeof resource.type === "string")
        .filter((resource) => !types || types.has(resource.type as string))
        .map((resource) => {
            const urn = resource.urn as string;
            return {
                urn,
                type: resource.type as string,
                id: typeof resource.id === "string" ? resource.id : "",
                inputs: revealSecrets(resource.inputs ?? {}, `${urn} inputs`) as Record<string, unknown>,
                outputs: revealSecrets(resource.outputs ?? {}, `${urn} outputs`) as Record<string, unknown>,
            };
        });
}

/** The stack's outputs as the state records them (its root resource's), secrets revealed. */
export function recordedStackOutputs(exported: ExportedState): Record<string, unknown> {
    return recordedResources(exported, new Set(["pulumi:pulumi:Stack"]))[0]?.outputs ?? {};
}

/** Plain output values as the Automation API hands them out; `secret` is false, as the values are plain text either way. */
export function asOutputMap(values: Record<string, unknown>): OutputMap {
    return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: false }]));
}
