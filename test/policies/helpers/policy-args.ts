// Runs the pack's policies the way the policy server does: props behind @pulumi/policy's
// unknown-checking proxy, so that a test sees what a preview sees, and violations collected.
import * as path from "path";
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { repositoryRoot } from "../../../toolchain";

export const policiesDir = path.join(repositoryRoot, "policies");

interface PolicyProxyModule {
    unknownCheckingProxy<T extends object>(props: T): T;
    unknownStringValue: string;
}

// The copy of @pulumi/policy that the pack loads (policies/node_modules): its UnknownValueError is
// the class the policies catch. The sentinel and the proxy are not in its type declarations.
const proxyModule = require(require.resolve("@pulumi/policy/proxy", { paths: [policiesDir] })) as PolicyProxyModule;

/** What the engine sends for a value a preview does not know yet. */
export const unknown = proxyModule.unknownStringValue;

export interface ResourceUnderTest {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly additionalSecretOutputs?: readonly string[];
}

export function urnOf(resource: ResourceUnderTest): string {
    return `urn:pulumi:test::policy-tests::${resource.type}::${resource.name}`;
}

function resourceArgs(resource: ResourceUnderTest): ResourceValidationArgs {
    return {
        type: resource.type,
        name: resource.name,
        urn: urnOf(resource),
        props: proxyModule.unknownCheckingProxy(structuredClone(resource.props)),
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [...(resource.additionalSecretOutputs ?? [])],
        },
        stackTags: new Map(),
        // The pack's policies compare type tokens and take no configuration.
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable(${reason ?? ""}) is not expected from the pack's policies`);
        },
    };
}

/** The messages a resource policy reports for one resource. */
export async function resourceViolations(policy: ResourceValidationPolicy, resource: ResourceUnderTest): Promise<string[]> {
    const messages: string[] = [];
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    for (const validate of validations) await validate(resourceArgs(resource), (message) => messages.push(message));
    return messages;
}

export interface StackViolation {
    readonly message: string;
    readonly urn: string | undefined;
}

/** What a stack policy reports for a stack of these resources. */
export async function stackViolations(policy: StackValidationPolicy, resources: readonly ResourceUnderTest[]): Promise<StackViolation[]> {
    const violations: StackViolation[] = [];
    const policyResources: PolicyResource[] = resources.map((resource) => {
        const { type, name, urn, props, opts } = resourceArgs(resource);
        return { type, name, urn, props, opts, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined };
    });
    const args = {
        resources: policyResources,
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable(${reason ?? ""}) is not expected from the pack's policies`);
        },
    };
    await policy.validateStack(args, (message, urn) => violations.push({ message, urn }));
    return violations;
}
