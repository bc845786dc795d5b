import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { UsageError } from "../../cli/command";
import { makeClassroomCommand } from "../../cli/classroom";
import { ClassroomError } from "../../cli/classroom-plan";
import { DEFAULT_STACK_KEY, loadLabFromStackFile } from "../../lab";

const EMULATED_STACK = path.join(__dirname, "..", "..", "stacks", "Pulumi.emulated.yaml");

interface Classroom {
    dir: string;
    run(...args: string[]): Promise<{ code: number; stdout: string }>;
    files(): string[];
    lab(name: string): Record<string, unknown>;
}

/** A temporary stacks folder holding the emulated stack as template `t-class-tpl`. */
function classroom(t: { teardown(fn: () => void): void }): Classroom {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mptcp-lab-classroom-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.copyFileSync(EMULATED_STACK, path.join(dir, "Pulumi.t-class-tpl.yaml"));
    fs.mkdirSync(path.join(dir, "running"));
    const command = makeClassroomCommand(dir, path.join(dir, "running"));
    return {
        dir,
        async run(...args: string[]) {
            let stdout = "";
            const sink = { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream;
            const code = await command.run(args, { stdout: sink, stderr: sink, environment: {} });
            return { code, stdout };
        },
        files: () => fs.readdirSync(dir).filter((file) => file !== "running").sort(),
        lab: (name: string) => (yaml.load(fs.readFileSync(path.join(dir, `Pulumi.${name}.yaml`), "utf8")) as { config: Record<string, Record<string, unknown>> }).config[DEFAULT_STACK_KEY],
    };
}

/** Another stack already in the folder, on subnet index k with the given bench name. */
function existingStack(room: Classroom, name: string, k: number, benchName = name): void {
    const template = yaml.load(fs.readFileSync(EMULATED_STACK, "utf8")) as { config: Record<string, { bench: Record<string, unknown> }> };
    const lab = template.config[DEFAULT_STACK_KEY];
    lab.bench = { ...lab.bench, name: benchName, subnet: `198.18.${k}.0/24`, managementSubnet: `198.19.${k}.0/24` };
    fs.writeFileSync(path.join(room.dir, `Pulumi.${name}.yaml`), yaml.dump({ config: { [DEFAULT_STACK_KEY]: lab } }));
}

test("init writes one valid stack per bench, each on its own subnets with the host parts kept", async (t) => {
    const room = classroom(t);
    const { code, stdout } = await room.run("init", "--benches", "3", "--from", "t-class-tpl", "--prefix", "t-class", "--first-index", "20");
    t.is(code, 0);
    t.deepEqual(room.files(), ["Pulumi.t-class-1.yaml", "Pulumi.t-class-2.yaml", "Pulumi.t-class-3.yaml", "Pulumi.t-class-tpl.yaml"]);
    for (const [i, k] of [[1, 20], [2, 21], [3, 22]]) {
        const { spec } = loadLabFromStackFile(path.join(room.dir, `Pulumi.t-class-${i}.yaml`));
        t.is(spec.name, `t-class-${i}`);
        t.deepEqual([spec.bench?.name, spec.bench?.subnet, spec.bench?.managementSubnet], [`t-class-${i}`, `198.18.${k}.0/24`, `198.19.${k}.0/24`]);
        t.deepEqual(
            spec.hosts.map((host) => [host.name, host.interfaces.map((nic) => `${nic.name} ${nic.cidr}`)]),
            [
                ["client", [`eth0 198.18.${k}.133/24`, `wlan0 198.18.${k}.173/24`]],
                ["server", [`eth0 198.18.${k}.218/24`, `wlan0 198.18.${k}.237/24`]],
            ],
        );
        t.deepEqual(spec.bench?.shaping, { eth0: { rateMbit: 200, delayMs: 1, lossPercent: 0 }, wlan0: { rateMbit: 100, delayMs: 3, lossPercent: 0 } });
    }
    t.regex(stdout, /next: mptcp-lab up --classroom t-class --concurrency 2/);
});

test("init skips subnet indexes that other stacks use", async (t) => {
    const room = classroom(t);
    existingStack(room, "t-class-other", 21);
    t.is((await room.run("init", "--benches", "2", "--from", "t-class-tpl", "--prefix", "t-class", "--first-index", "20")).code, 0);
    t.deepEqual([room.lab("t-class-1").bench, room.lab("t-class-2").bench].map((bench) => (bench as { subnet: string }).subnet), ["198.18.20.0/24", "198.18.22.0/24"]);
});

test("init skips subnet indexes of running benches that have no stack file", async (t) => {
    const room = classroom(t);
    fs.mkdirSync(path.join(room.dir, "running", "t-class-loose"));
    fs.writeFileSync(path.join(room.dir, "running", "t-class-loose", "state.json"), JSON.stringify({ version: 1, plan: { subnet: "198.18.20.0/24", managementSubnet: "198.19.23.0/24" } }));
    t.is((await room.run("init", "--benches", "2", "--from", "t-class-tpl", "--prefix", "t-class", "--first-index", "20")).code, 0);
    t.deepEqual([room.lab("t-class-1").bench, room.lab("t-class-2").bench].map((bench) => (bench as { subnet: string }).subnet), ["198.18.21.0/24", "198.18.22.0/24"]);
});

test("init refuses to overwrite an existing bench stack and writes nothing", async (t) => {
    const room = classroom(t);
    existingStack(room, "t-class-2", 29);
    const before = fs.readFileSync(path.join(room.dir, "Pulumi.t-class-2.yaml"), "utf8");
    const error = await t.throwsAsync(room.run("init", "--benches", "3", "--from", "t-class-tpl", "--prefix", "t-class", "--first-index", "20"), { instanceOf: ClassroomError });
    t.is(error?.code, "classroom-file-exists");
    t.deepEqual(room.files(), ["Pulumi.t-class-2.yaml", "Pulumi.t-class-tpl.yaml"]);
    t.is(fs.readFileSync(path.join(room.dir, "Pulumi.t-class-2.yaml"), "utf8"), before);
});

test("init with --force overwrites and may reuse the overwritten stack's subnet", async (t) => {
    const room = classroom(t);
    existingStack(room, "t-class-1", 20);
    t.is((await room.run("init", "--benches", "1", "--from", "t-class-tpl", "--prefix", "t-class", "--first-index", "20", "--force")).code, 0);
    t.is((room.lab("t-class-1").bench as { subnet: string }).subnet, "198.18.20.0/24");
    t.deepEqual(room.files(), ["Pulumi.t-class-1.yaml", "Pulumi.t-class-tpl.yaml"]);
});

test("init writes nothing when a generated lab fails validation", async (t) => {
    const room = classroom(t);
    // t-class-names-10 has 16 characters, one more than a bench name may have: benches 1 to 9 are valid.
    const error = await t.throwsAsync(room.run("init", "--benches", "10", "--from", "t-class-tpl", "--prefix", "t-class-names", "--first-index", "20"), { instanceOf: ClassroomError });
    t.is(error?.code, "classroom-lab-invalid");
    t.deepEqual(error?.problems.map((problem) => [path.basename(problem.file), problem.code, problem.path]), [["Pulumi.t-class-names-10.yaml", "schema-pattern", "bench.name"]]);
    t.deepEqual(room.files(), ["Pulumi.t-class-tpl.yaml"]);
});

test("init refuses a bench name that another stack's bench already has", async (t) => {
    const room = classroom(t);
    existingStack(room, "t-class-elsewhere", 25, "t-class-1");
    const error = await t.throwsAsync(room.run("init", "--benches", "1", "--from", "t-class-tpl", "--prefix", "t-class", "--first-index", "20"), { instanceOf: ClassroomError });
    t.is(error?.code, "classroom-bench-taken");
});

const SEED_STACK = path.join(__dirname, "..", "..", "stacks", "Pulumi.seed-lab.yaml");
/** A well-formed ed25519 key line (the key of no real host). */
const SOME_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ3b3J0aGxlc3Mta2V5LWZvci10ZXN0cy1vbmx5AAAA";

test("init refuses a template of real hosts, whose addresses and keys it cannot invent", async (t) => {
    const room = classroom(t);
    const seed = fs.readFileSync(SEED_STACK, "utf8").replace(/"REPLACE-ME[^"]*"/g, JSON.stringify(SOME_HOST_KEY));
    fs.writeFileSync(path.join(room.dir, "Pulumi.t-class-real.yaml"), seed);
    const error = await t.throwsAsync(room.run("init", "--benches", "1", "--from", "t-class-real", "--prefix", "t-class"), { instanceOf: ClassroomError });
    t.is(error?.code, "classroom-not-emulated");
    t.deepEqual(room.files(), ["Pulumi.t-class-real.yaml", "Pulumi.t-class-tpl.yaml"]);
});

test("init refuses a template that is not a valid lab, with its problems", async (t) => {
    const room = classroom(t);
    fs.copyFileSync(SEED_STACK, path.join(room.dir, "Pulumi.t-class-real.yaml"));
    const error = await t.throwsAsync(room.run("init", "--benches", "1", "--from", "t-class-real", "--prefix", "t-class"), { instanceOf: ClassroomError });
    t.is(error?.code, "classroom-template-invalid");
    t.deepEqual(error?.problems.map((problem) => problem.code), ["placeholder-value", "placeholder-value"]);
});

test("init reports a missing template by its code", async (t) => {
    const room = classroom(t);
    const error = await t.throwsAsync(room.run("init", "--benches", "1", "--from", "t-class-none"), { instanceOf: ClassroomError });
    t.is(error?.code, "classroom-template-missing");
});

const wrongUsage = test.macro<[string[]]>({
    async exec(t, args: string[]) {
        const room = classroom(t);
        await t.throwsAsync(room.run(...args), { instanceOf: UsageError });
        t.deepEqual(room.files(), ["Pulumi.t-class-tpl.yaml"]);
    },
    title: (_provided, args) => `classroom ${args.join(" ")} is wrong usage`,
});

test(wrongUsage, []);
test(wrongUsage, ["start"]);
test(wrongUsage, ["init", "--from", "t-class-tpl"]);
test(wrongUsage, ["init", "--benches", "0", "--from", "t-class-tpl"]);
test(wrongUsage, ["init", "--benches", "2"]);
test(wrongUsage, ["init", "--benches", "2", "--from", "t-class-tpl", "--prefix", "Class"]);
test(wrongUsage, ["init", "--benches", "2", "--from", "t-class-tpl", "--first-index", "256"]);
