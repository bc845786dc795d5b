// Quoting for the only shell mptcp-lab talks to: bash on a host, reading a script from stdin.
// Every value is validated against a strict pattern before it is quoted.
import { CodedError } from "../errors/coded-error";
import { hintFor } from "../errors/hints";
import { VALUE_RULES } from "../lab/value-rules";

/** Single-quotes a value for POSIX shells: the one quoting form with no special characters inside. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One shell command line, every word single-quoted: what an SSH exec channel needs. */
export function shellCommand(words: readonly string[]): string {
    return words.map(shellQuote).join(" ");
}

/** Patterns for values that reach a remote shell: the rule table's (lab/value-rules.ts). */
export const shellSafe = {
    interfaceName: VALUE_RULES.interfaceName.pattern,
    ipv4: VALUE_RULES.ipv4.pattern,
    debianPackage: VALUE_RULES.packageName.pattern,
    gitTag: VALUE_RULES.gitTag.pattern,
    gitUrl: VALUE_RULES.gitUrl.pattern,
    configureFlag: VALUE_RULES.configureFlag.pattern,
    absolutePath: VALUE_RULES.absolutePath.pattern,
} as const;

export class UnsafeValueError extends CodedError<"unsafe-value"> {
    readonly value: string;

    constructor(
        readonly field: string,
        value: string,
        readonly pattern: RegExp,
    ) {
        const rule = Object.values(VALUE_RULES).find((candidate) => candidate.pattern === pattern);
        super("unsafe-value", `${field}: ${JSON.stringify(value)} does not match ${pattern}`, {
            value,
            ...(rule === undefined ? {} : { hint: `Expected ${rule.description}: ${rule.hint}; ${hintFor("unsafe-value")}` }),
        });
        this.name = "UnsafeValueError";
        this.value = value;
    }
}

/** Returns the value when it matches, throws UnsafeValueError otherwise. */
export function requireSafe(field: string, value: string, pattern: RegExp): string {
    if (!pattern.test(value)) throw new UnsafeValueError(field, value, pattern);
    return value;
}

/**
 * A bash script that receives its values as positional parameters ($1, $2, ...), so values are
 * never spliced into the script text. `run` turns it into `set -- 'v1' 'v2'` plus the body.
 */
export function scriptWithArguments(body: string, args: readonly string[]): string {
    const header = "set -euo pipefail\nexport LC_ALL=C DEBIAN_FRONTEND=noninteractive\n";
    const positional = args.length > 0 ? `set -- ${args.map(shellQuote).join(" ")}\n` : "";
    return header + positional + body;
}

/** Parses `key=value` lines, the form mptcp-lab's remote scripts report results in. */
export function parseKeyValues(output: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const line of output.split("\n")) {
        const separator = line.indexOf("=");
        if (separator > 0) values[line.slice(0, separator)] = line.slice(separator + 1);
    }
    return values;
}
