// The CLI, the SDK and the Go wrapper modules must agree on one Pulumi version.
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { readPinnedVersions, repositoryRoot } from "../../toolchain";

const pinned = readPinnedVersions();
const read = (file: string) => fs.readFileSync(path.join(repositoryRoot, file), "utf8");

test("the SDK in package.json is pinned to the CLI's version", (t) => {
    const manifest = JSON.parse(read("package.json"));
    t.is(manifest.dependencies["@pulumi/pulumi"], pinned.PULUMI_VERSION);
});

test("the CLI wrapper module requires pkg/v3 and sdk/v3 at the CLI's version", (t) => {
    const goMod = read("toolchain/pulumi/go.mod");
    t.regex(goMod, new RegExp(`github.com/pulumi/pulumi/pkg/v3 v${pinned.PULUMI_VERSION}\\b`));
    t.regex(goMod, new RegExp(`github.com/pulumi/pulumi/sdk/v3 v${pinned.PULUMI_VERSION}\\b`));
});

test("the language host's module requires pkg/v3 and sdk/v3 at the CLI's version, from the module proxy", (t) => {
    const goMod = read("toolchain/language-nodejs/go.mod");
    t.regex(goMod, new RegExp(`github.com/pulumi/pulumi/pkg/v3 v${pinned.PULUMI_VERSION}\\b`));
    t.regex(goMod, new RegExp(`github.com/pulumi/pulumi/sdk/v3 v${pinned.PULUMI_VERSION}\\b`));
    t.notRegex(goMod, /=> \.\.?\//, "no replace points into the upstream monorepo");
});

test("@pulumi/command in package.json is the command provider's pinned version", (t) => {
    t.is(JSON.parse(read("package.json")).dependencies["@pulumi/command"], pinned.COMMAND_PROVIDER_VERSION);
});

test("every offline source archive the bootstrap reads has a pinned sha256", (t) => {
    const pins = read("toolchain/offline-sources.sha256")
        .split("\n")
        .filter((line) => line && !line.startsWith("#"))
        .map((line) => line.split(/\s+/));
    t.deepEqual(pins.map(([, name]) => name).sort(), [
        "esnet-iperf.bundle",
        `pulumi-command-v${pinned.COMMAND_PROVIDER_VERSION}-provider.tar.gz`,
        `pulumi-v${pinned.PULUMI_VERSION}-language-nodejs.tar.gz`,
    ]);
    pins.forEach(([sha256, name]) => t.regex(sha256, /^[0-9a-f]{64}$/, name));
});

test("no file of the toolchain names the old v3.68 language host", (t) => {
    const files = fs.readdirSync(path.join(repositoryRoot, "toolchain"), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    const naming = files.filter((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8").includes("3.68"));
    t.deepEqual(naming.map((entry) => entry.name), []);
});

test("every npm dependency is pinned to an exact version", (t) => {
    const manifest = JSON.parse(read("package.json"));
    const ranges = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).filter(
        ([, version]) => !/^\d+\.\d+\.\d+$/.test(String(version)),
    );
    t.deepEqual(ranges, []);
});
