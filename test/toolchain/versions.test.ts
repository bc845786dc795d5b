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

test("the language host wrapper module requires the pinned sdk/v3 release", (t) => {
    t.regex(read("toolchain/language-nodejs/go.mod"), new RegExp(`github.com/pulumi/pulumi/sdk/v3 v${pinned.LANGUAGE_HOST_SDK_VERSION}\\b`));
});

test("every npm dependency is pinned to an exact version", (t) => {
    const manifest = JSON.parse(read("package.json"));
    const ranges = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).filter(
        ([, version]) => !/^\d+\.\d+\.\d+$/.test(String(version)),
    );
    t.deepEqual(ranges, []);
});
