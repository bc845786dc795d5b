// How a coded error crosses Pulumi: a provider's error reaches the command line only as text (the
// engine's diagnostic, the Automation API's exception, a @pulumi/command step's output), so the
// error's fields travel as one line in front of its message:
//
//   [mptcp-lab:ssh-connect host=client step="read host facts"] client: read host facts: cannot connect ...
//
// Field values are bare when they are plain tokens, JSON strings otherwise; the line never breaks.
// The host-side scripts print the same line (components/host-command.ts), so a failed install
// step is classified the same way.
import { type ErrorCode, hintFor, isErrorCode } from "./hints";

/** The fields a coded line carries. */
export interface CodedFields {
    readonly code: string;
    readonly host?: string;
    readonly step?: string;
    readonly value?: string;
}

/** A coded error read back from text. `code` may be one this version does not know (no hint then). */
export interface CodedReport extends CodedFields {
    /** The message that followed the coded line, to the end of its line. */
    readonly message: string;
    readonly hint: string;
}

const FIELD_NAMES = ["host", "step", "value"] as const;
const BARE = /^[A-Za-z0-9._@:/+,=-]+$/;
const CODE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Longest value kept in a coded line. */
const MAX_VALUE_LENGTH = 200;

function quoteField(text: string): string {
    if (BARE.test(text)) return text;
    // JSON escapes quotes, backslashes and control characters; the line separators too, here.
    return JSON.stringify(text).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A value seen, as text: strings as they are, anything else as JSON; shortened when long. */
export function valueText(value: unknown): string {
    const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
    return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 3)}...` : text;
}

/** `[mptcp-lab:CODE host=... step=... value=...]`, fields that are absent left out. */
export function codedLine(fields: CodedFields): string {
    if (!CODE.test(fields.code)) throw new RangeError(`not an error code: ${JSON.stringify(fields.code)}`);
    const parts = FIELD_NAMES.filter((name) => fields[name] !== undefined).map((name) => `${name}=${quoteField(fields[name]!)}`);
    return `[mptcp-lab:${[fields.code, ...parts].join(" ")}]`;
}

interface CodedLike {
    code: ErrorCode;
    message: string;
    host?: string;
    step?: string;
    value?: unknown;
}

function codedOf(error: unknown): CodedLike | undefined {
    if (!(error instanceof Error)) return undefined;
    const candidate = error as Error & Partial<CodedLike>;
    return isErrorCode(candidate.code) ? (candidate as CodedLike) : undefined;
}

/**
 * The error a provider hands to the engine: a coded error's message with its coded line in front
 * (the original kept as `cause`), any other error as it is.
 */
export function forEngine(error: unknown): unknown {
    const coded = codedOf(error);
    if (!coded || coded.message.startsWith("[mptcp-lab:")) return error;
    const line = codedLine({
        code: coded.code,
        host: coded.host,
        step: coded.step,
        value: coded.value === undefined ? undefined : valueText(coded.value),
    });
    const wrapped = new Error(`${line} ${coded.message}`, { cause: error });
    wrapped.name = (error as Error).name;
    return wrapped;
}

// One field: name=bare or name="json string".
const FIELD_SOURCE = String.raw`([a-z]+)=(?:"((?:[^"\\\n]|\\.)*)"|([^\s"\]]+))`;
// The message runs to the end of the line or to the next coded line on it.
const LINE = new RegExp(String.raw`\[mptcp-lab:([A-Za-z][A-Za-z0-9_-]{0,63})((?: ${FIELD_SOURCE})*)\] ?((?:(?!\[mptcp-lab:)[^\n])*)`, "g");
// Node prints an error as `${error}: ${error.stack}` in the provider's log (Pulumi's check, diff
// and read), which repeats the coded line behind `: Error: `.
const REPEATED_NAME = /:\s*[A-Za-z]*Error:\s*$/;
const FIELD = new RegExp(` ${FIELD_SOURCE}`, "g");

function unquote(json: string): string | undefined {
    try {
        return JSON.parse(`"${json}"`) as string;
    } catch {
        return undefined;
    }
}

/**
 * Every coded error in a text (an engine diagnostic, an Automation API exception's message, a
 * step's output), in order, each once. Colour sequences are ignored.
 */
export function parseCodedErrors(text: string): CodedReport[] {
    const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
    const seen = new Set<string>();
    const reports: CodedReport[] = [];
    for (const match of plain.matchAll(LINE)) {
        const fields: { host?: string; step?: string; value?: string } = {};
        for (const field of (match[2] ?? "").matchAll(FIELD)) {
            const name = field[1] as (typeof FIELD_NAMES)[number];
            if (!FIELD_NAMES.includes(name)) continue;
            const value = field[2] !== undefined ? unquote(field[2]) : field[3];
            if (value !== undefined) fields[name] = value;
        }
        const code = match[1];
        const message = match[match.length - 1].replace(REPEATED_NAME, "").trim();
        const key = JSON.stringify([code, fields, message]);
        if (seen.has(key)) continue;
        seen.add(key);
        reports.push({ code, ...fields, message, hint: isErrorCode(code) ? hintFor(code) : "" });
    }
    return reports;
}
