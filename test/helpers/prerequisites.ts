// How a test that needs something this machine may lack is registered: it runs when nothing is
// missing; outside CI it is skipped visibly (ava lists it as skipped, and the reason is printed);
// under CI it runs, so that the missing prerequisite fails it instead of skipping unnoticed.
import { isCi } from "../../cli/ci";

export { isCi };

/** `register` (test, test.serial, ...) or its `skip`, by the list of what is missing. */
export function whenAvailable<T extends { skip: unknown }>(register: T, missing: readonly string[], what: string): T | T["skip"] {
    if (missing.length === 0 || isCi()) return register;
    console.warn(`skipped (${what}): missing ${missing.join(", ")}; under CI=true this fails instead`);
    return register.skip;
}
