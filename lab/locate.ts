// Turns a path in the lab (["hosts", "client", "endpoints", 0]) into a problem site: the file, the
// line and column where that field is written (or its nearest written ancestor, for a default) and
// the path as people read it (hosts.client.endpoints[0]).
import type { ProblemSite } from "./errors";
import { positionOf, type LabPath, type LocatedNode } from "./source-map";

/** Locates a field of the lab; `key` points at the key rather than the value. */
export type Locate = (path: LabPath, part?: "key" | "value") => ProblemSite;

export function makeLocator(file: string, labRoot: LocatedNode): Locate {
    return (path, part = "value") => ({ file, ...positionOf(labRoot, path, part), path: formatPath(path) });
}

/** A locator for problems that concern a whole file rather than a field of the lab. */
export function fileSite(file: string, line = 1, column = 1): ProblemSite {
    return { file, line, column, path: "" };
}

export function formatPath(path: LabPath): string {
    let text = "";
    for (const segment of path) {
        if (typeof segment === "number") text += `[${segment}]`;
        else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === "" ? segment : `.${segment}`;
        else text += `[${JSON.stringify(segment)}]`;
    }
    return text;
}
