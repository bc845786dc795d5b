// How the command line prints a coded error, whether it was thrown here or read back from Pulumi's
// text: `error CODE: HOST: STEP: message`, then `hint: ...`. The same in every command.
import { parseCodedErrors } from "./engine-text";
import { hintFor, isErrorCode } from "./hints";

export interface CodedView {
    readonly code: string;
    readonly host?: string;
    readonly step?: string;
    readonly message: string;
    readonly hint?: string;
}

/** `error CODE: HOST: STEP: message`; a message that already starts with its host and step keeps them once. */
export function formatCodedHeadline(view: CodedView): string {
    const place = [view.host, view.step].filter((part): part is string => part !== undefined && part !== "").map((part) => `${part}: `).join("");
    const message = place !== "" && view.message.startsWith(place) ? view.message.slice(place.length) : view.message;
    return `error ${view.code}: ${place}${message}`;
}

/** The headline and, when there is one, the hint line. */
export function formatCoded(view: CodedView, indent = ""): string[] {
    return [`${indent}${formatCodedHeadline(view)}`, ...(view.hint ? [`${indent}hint: ${view.hint}`] : [])];
}

/**
 * What the command line says about an error: a coded error thrown here as it is; any other error
 * by the coded errors its text carries (a provider's error inside the engine's); nothing when it
 * has none. Hints name `stack` where they mention one.
 */
export function codedViews(error: unknown, stack?: string): CodedView[] {
    const details = error as { code?: unknown; host?: unknown; step?: unknown; hint?: unknown };
    const message = error instanceof Error ? error.message : String(error);
    if (isErrorCode(details.code)) {
        const own: CodedView = {
            code: details.code,
            message,
            hint: typeof details.hint === "string" ? details.hint : hintFor(details.code, { stack }),
            ...(typeof details.host === "string" ? { host: details.host } : {}),
            ...(typeof details.step === "string" ? { step: details.step } : {}),
        };
        return [own];
    }
    return parseCodedErrors(message).map((report) => ({ ...report, hint: isErrorCode(report.code) ? hintFor(report.code, { stack }) : report.hint }));
}

/** Every line the command line prints for a failure: a coded error's headline and hint, or the
 *  error's message followed by the coded errors it carries. */
export function failureLines(error: unknown, stack?: string): string[] {
    const code = (error as { code?: unknown }).code;
    const views = codedViews(error, stack);
    if (isErrorCode(code)) return formatCoded(views[0]);
    const message = error instanceof Error ? error.message : String(error);
    return [`error${typeof code === "string" ? ` ${code}` : ""}: ${message}`, ...views.flatMap((view) => formatCoded(view))];
}
