import type * as pulumi from "@pulumi/pulumi";

/**
 * What a component passes to a dynamic resource whose provider takes `T`: every field, at any
 * depth, may be an Output or a Promise of its value. Typing a resource's props as
 * `DynamicInputs<XInputs>` makes a field renamed in the provider's `XInputs` a type error in the
 * component that sets it.
 */
export type DynamicInputs<T> = { [K in keyof T]: DeepInput<T[K]> };

// Unions stay whole ([T] does not distribute), so Output<"a" | "b"> fits a field typed "a" | "b".
type DeepInput<T> = [T] extends [string | number | boolean | null | undefined]
    ? pulumi.Input<T>
    : [T] extends [readonly (infer U)[]]
      ? pulumi.Input<DeepInput<U>[]>
      : [T] extends [object]
        ? pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>
        : pulumi.Input<T>;
