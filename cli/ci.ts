// "Are we in CI": the one answer for the command line (plain output) and the tests (a missing
// prerequisite fails instead of skipping). CI is set by every CI service; an empty value or
// "false" (as CI=false npm test) means no, as in the ci-info package most tools use.

export function isCi(environment: NodeJS.ProcessEnv = process.env): boolean {
    const value = environment.CI;
    return value !== undefined && value !== "" && value.toLowerCase() !== "false";
}
