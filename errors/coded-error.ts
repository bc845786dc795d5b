// The one error type of mptcp-lab: a stable code, where it happened (the host and the step, when
// on a host), the value seen when one was wrong, and the hint the code's entry in errors/hints.ts
// gives. Every module throws it or a subclass that adds what its callers need (the bench's
// problem list, the output of a step on a host).
import { type ErrorCode, hintFor } from "./hints";

export interface CodedErrorOptions {
    /** The host the error happened on, by its lab name (`client`). */
    readonly host?: string;
    /** What was being done, e.g. `read host facts`. */
    readonly step?: string;
    /** The value seen, when a value was wrong. */
    readonly value?: unknown;
    /** Replaces the code's hint when the error knows better (a bench problem list). */
    readonly hint?: string;
    readonly cause?: unknown;
}

export class CodedError<Code extends ErrorCode = ErrorCode> extends Error {
    readonly code: Code;
    readonly host?: string;
    readonly step?: string;
    readonly value?: unknown;
    readonly hint: string;

    constructor(code: Code, message: string, options: CodedErrorOptions = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.name = "CodedError";
        this.code = code;
        if (options.host !== undefined) this.host = options.host;
        if (options.step !== undefined) this.step = options.step;
        if (options.value !== undefined) this.value = options.value;
        this.hint = options.hint ?? hintFor(code);
    }
}
