// A classroom: N bench stacks made from one template stack, each with its own address plan (lab
// LAN 198.18.k.0/24 and management 198.19.k.0/24, k free among the existing stacks), every lab
// validated before any file is written, and every file written or none.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CodedError } from "../errors/coded-error";
import type { ClassroomErrorCode } from "../errors/hints";
import { DEFAULT_STACK_KEY, formatProblem, type LabProblem, validateLabBytes, validateLabText } from "../lab";

export type { ClassroomErrorCode };

export class ClassroomError extends CodedError<ClassroomErrorCode> {
    readonly problems: readonly LabProblem[];

    constructor(code: ClassroomErrorCode, message: string, problems: readonly LabProblem[] = []) {
        super(code, problems.length === 0 ? message : [message, ...problems.map(formatProblem)].join("\n"));
        this.name = "ClassroomError";
        this.problems = problems;
    }
}

export interface ClassroomOptions {
    /** The folder of stack files (stacks/). */
    stacksDir: string;
    /** The template stack's name. */
    from: string;
    benches: number;
    /** Stack, lab and bench names are `<prefix>-<i>`, i from 1. */
    prefix: string;
    /** The lowest subnet index k to hand out. */
    firstIndex: number;
    /** Overwrite existing stack files of the same names. */
    force: boolean;
    /** Where running emulated benches keep their state (/run/mptcp-lab/benches): their subnets
     *  are taken too, even without a stack file. */
    runningBenchesDir?: string;
}

export interface PlannedBench {
    name: string;
    file: string;
    index: number;
    subnet: string;
    managementSubnet: string;
    text: string;
}

type Lab = Record<string, unknown> & { bench?: Record<string, unknown> };

const stackFile = (stacksDir: string, name: string) => path.join(stacksDir, `Pulumi.${name}.yaml`);

function readStack(file: string): Record<string, unknown> | undefined {
    try {
        const document = yaml.load(fs.readFileSync(file, "utf8"));
        return typeof document === "object" && document !== null ? (document as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

const labOf = (document: Record<string, unknown> | undefined): Lab | undefined =>
    (document?.config as Record<string, unknown> | undefined)?.[DEFAULT_STACK_KEY] as Lab | undefined;

/** The third octet of a 198.18.k.0/24 or 198.19.k.0/24 prefix, or undefined for anything else. */
function indexOf(cidr: unknown, secondOctet: 18 | 19): number | undefined {
    const match = typeof cidr === "string" ? /^198\.(\d+)\.(\d+)\.0\/24$/.exec(cidr) : null;
    return match && Number(match[1]) === secondOctet ? Number(match[2]) : undefined;
}

/** Subnet indexes and bench names used by the stacks in `stacksDir`, apart from those in `except`. */
function usedByOtherStacks(stacksDir: string, except: ReadonlySet<string>): { indexes: Set<number>; benchNames: Map<string, string> } {
    const indexes = new Set<number>();
    const benchNames = new Map<string, string>();
    for (const file of fs.readdirSync(stacksDir)) {
        const name = /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1];
        if (name === undefined || except.has(name)) continue;
        const bench = labOf(readStack(path.join(stacksDir, file)))?.bench;
        if (!bench) continue;
        for (const cidr of [bench.subnet, bench.managementSubnet ?? "198.19.0.0/24"]) {
            const match = typeof cidr === "string" ? /^198\.1[89]\.(\d+)\./.exec(cidr) : null;
            if (match) indexes.add(Number(match[1]));
        }
        if (typeof bench.name === "string") benchNames.set(bench.name, name);
    }
    return { indexes, benchNames };
}

/** Subnet indexes of the emulated benches running on this machine, apart from those in `except`. */
function usedByRunningBenches(runtimeDir: string | undefined, except: ReadonlySet<string>): number[] {
    if (runtimeDir === undefined || !fs.existsSync(runtimeDir)) return [];
    return fs.readdirSync(runtimeDir).flatMap((bench) => {
        if (except.has(bench)) return [];
        try {
            const { plan } = JSON.parse(fs.readFileSync(path.join(runtimeDir, bench, "state.json"), "utf8")) as { plan?: { subnet?: unknown; managementSubnet?: unknown } };
            return [plan?.subnet, plan?.managementSubnet].flatMap((cidr) => {
                const match = typeof cidr === "string" ? /^198\.1[89]\.(\d+)\./.exec(cidr) : null;
                return match ? [Number(match[1])] : [];
            });
        } catch {
            return [];
        }
    });
}

/** Moves every IPv4 address of the template's two /24s into bench k's, keeping the host part. */
function moveAddresses(value: unknown, from: { lab: number; management: number }, to: number): unknown {
    if (typeof value === "string") {
        return value.replace(/\b198\.(18|19)\.(\d{1,3})\.(\d{1,3})\b/g, (whole, second: string, third: string, host: string) => {
            const isLab = second === "18" && Number(third) === from.lab;
            const isManagement = second === "19" && Number(third) === from.management;
            return isLab || isManagement ? `198.${second}.${to}.${host}` : whole;
        });
    }
    if (Array.isArray(value)) return value.map((item) => moveAddresses(item, from, to));
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, moveAddresses(item, from, to)]));
    return value;
}

function stackText(lab: Lab, options: ClassroomOptions, i: number): string {
    const header = [
        "# yaml-language-server: $schema=../lab/stack-file.schema.json",
        `# Bench ${i} of ${options.benches} of the classroom ${options.prefix}, made from stack ${options.from} by \`mptcp-lab classroom init\`.`,
    ];
    return `${header.join("\n")}\n${yaml.dump({ config: { [DEFAULT_STACK_KEY]: lab } }, { lineWidth: 120 })}`;
}

/** Builds and validates every bench's stack file; writes nothing. Throws ClassroomError. */
export function planClassroom(options: ClassroomOptions): PlannedBench[] {
    const templateFile = stackFile(options.stacksDir, options.from);
    if (!fs.existsSync(templateFile)) throw new ClassroomError("classroom-template-missing", `no template stack ${JSON.stringify(options.from)}: ${templateFile} does not exist`);
    const templateCheck = validateLabBytes(fs.readFileSync(templateFile), templateFile, { key: DEFAULT_STACK_KEY });
    if (!templateCheck.spec) throw new ClassroomError("classroom-template-invalid", `the template stack ${options.from} is not a valid lab`, templateCheck.problems);
    const template = labOf(readStack(templateFile)) as Lab;
    const bench = template.bench;
    if (!bench) throw new ClassroomError("classroom-not-emulated", `the template stack ${options.from} has real hosts, not an emulated bench`);
    const from = { lab: indexOf(bench.subnet, 18), management: indexOf(bench.managementSubnet ?? "198.19.0.0/24", 19) };
    if (from.lab === undefined || from.management === undefined) {
        throw new ClassroomError("classroom-subnet-shape", `the template's bench uses ${String(bench.subnet)} and ${String(bench.managementSubnet)}, not 198.18.k.0/24 and 198.19.k.0/24`);
    }
    const names = Array.from({ length: options.benches }, (_, i) => `${options.prefix}-${i + 1}`);
    const replaced = new Set(options.force ? names : []);
    const used = usedByOtherStacks(options.stacksDir, replaced);
    for (const k of usedByRunningBenches(options.runningBenchesDir, replaced)) used.indexes.add(k);
    const free = Array.from({ length: 256 - options.firstIndex }, (_, i) => options.firstIndex + i).filter((k) => !used.indexes.has(k));
    if (free.length < options.benches) throw new ClassroomError("classroom-no-free-subnet", `${options.benches} bench(es) need as many free subnet indexes from ${options.firstIndex}; ${free.length} are free`);

    const taken = names.filter((name) => used.benchNames.has(name) && used.benchNames.get(name) !== name).map((name) => `${name} (stack ${used.benchNames.get(name)})`);
    if (taken.length > 0) throw new ClassroomError("classroom-bench-taken", `bench name(s) already used by other stacks: ${taken.join(", ")}`);

    const planned = names.map((name, i) => {
        const k = free[i];
        const moved = moveAddresses(template, { lab: from.lab as number, management: from.management as number }, k) as Lab;
        const lab: Lab = { ...moved, name, bench: { ...moved.bench, name, subnet: `198.18.${k}.0/24`, managementSubnet: `198.19.${k}.0/24` } };
        const file = stackFile(options.stacksDir, name);
        return { name, file, index: k, subnet: `198.18.${k}.0/24`, managementSubnet: `198.19.${k}.0/24`, text: stackText(lab, options, i + 1) };
    });
    const problems = planned.flatMap((bench) => validateLabText(bench.text, bench.file, { key: DEFAULT_STACK_KEY }).problems.filter((problem) => problem.severity === "error"));
    if (problems.length > 0) throw new ClassroomError("classroom-lab-invalid", `${problems.length} problem(s) in the generated labs; nothing was written`, problems);

    const existing = planned.filter((bench) => fs.existsSync(bench.file)).map((bench) => bench.file);
    if (existing.length > 0 && !options.force) throw new ClassroomError("classroom-file-exists", `refusing to overwrite ${existing.join(", ")}; nothing was written`);
    return planned;
}

/** Writes the planned files: each to a temporary name first, then all renamed into place. */
export function writeClassroom(planned: readonly PlannedBench[]): void {
    const temporary = planned.map((bench) => `${bench.file}.${process.pid}.tmp`);
    try {
        planned.forEach((bench, i) => fs.writeFileSync(temporary[i], bench.text, { flag: "wx" }));
        planned.forEach((bench, i) => fs.renameSync(temporary[i], bench.file));
    } finally {
        for (const file of temporary) fs.rmSync(file, { force: true });
    }
}
