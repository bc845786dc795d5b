// Dynamic provider for iperf3 on a host: built from source at a pinned tag, or the OS package.
// A source build clones or fetches, checks out the exact tag, configures, builds, installs, runs
// ldconfig (libiperf lands in /usr/local/lib, and Debian's libiperf0 has the same soname), then
// verifies that the binary reports the tag and offers --mptcp. It rebuilds only when the
// repository, the tag or the configure flags change.
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./provider-shim";
import { parseKeyValues, requireSafe, scriptWithArguments, shellSafe } from "../remote/shell";
import { HostConnection, runRemote } from "../remote/ssh";

export const iperf3ProviderVersion = "3";
const sourceDir = "/usr/local/src/mptcp-lab/iperf3";

export interface Iperf3Inputs {
    connection: HostConnection;
    hostName: string;
    from: "source" | "package";
    repository: string;
    tag: string;
    configureFlags: string[];
    package: string;
    /** Fail unless the build offers --mptcp (the lab asks for native MPTCP). */
    requireMptcpFlag: boolean;
    providerVersion: string;
}

export interface Iperf3Outputs extends Iperf3Inputs {
    binary: string;
    /** First line of `iperf3 --version`, e.g. `iperf 3.21 (cJSON 1.7.15)`. */
    version: string;
    /** The commit the tag resolved to (source builds). */
    commit: string;
    /** `native` when the binary offers --mptcp; otherwise runs go through mptcpize. */
    mptcp: "native" | "mptcpize";
}

const buildScript = `
repository=$1 tag=$2 src=$3 require_mptcp=$4
shift 4
mkdir -p "$(dirname "$src")"
if [ -d "$src/.git" ]; then
    git -C "$src" remote set-url origin "$repository"
    git -C "$src" fetch -q --force --tags origin
else
    rm -rf "$src"
    git clone -q "$repository" "$src"
fi
if ! commit=$(git -C "$src" rev-parse -q --verify "refs/tags/$tag^{commit}"); then
    echo "tag $tag does not exist in $repository (tags seen: $(git -C "$src" tag | tail -n 5 | tr '\\n' ' '))" >&2
    exit 3
fi
git -C "$src" checkout -q --force --detach "$commit"
git -C "$src" clean -q -fdx
cd "$src"
./configure -q "$@" > configure.log 2>&1 || { tail -n 20 configure.log >&2; exit 4; }
make -s -j"$(nproc)" > make.log 2>&1 || { tail -n 20 make.log >&2; exit 5; }
# Judge the build before installing it, so that a rejected tag never replaces a working iperf3.
mode=native
if ! ./src/iperf3 --help 2>&1 | grep -q -- '--mptcp'; then
    if [ "$require_mptcp" = yes ]; then
        echo "iperf3 $tag built without --mptcp: tags before 3.19 lack it, and configure enables it only when IPPROTO_MPTCP compiles" >&2
        exit 8
    fi
    mode=mptcpize
fi
make -s install > install.log 2>&1 || { tail -n 20 install.log >&2; exit 6; }
ldconfig
version=$(/usr/local/bin/iperf3 --version 2>&1 | head -n 1)
case "$version" in
    "iperf $tag "*|"iperf $tag") ;;
    *) echo "the installed iperf3 reports \\"$version\\", not $tag: an older libiperf may shadow the new one (check ldconfig -p | grep libiperf)" >&2; exit 7 ;;
esac
if [ "$mode" = mptcpize ] && ! command -v mptcpize >/dev/null; then
    apt-get install -y -qq --no-install-recommends mptcpize >/dev/null
fi
echo "binary=/usr/local/bin/iperf3"
echo "version=$version"
echo "commit=$commit"
echo "mptcp=$mode"
`;

const packageScript = `
package=$1 require_mptcp=$2
if ! apt-cache show "$package" >/dev/null 2>&1; then apt-get update -qq; fi
apt-get install -y -qq --no-install-recommends "$package" >/dev/null
binary=$(command -v iperf3)
mode=native
if ! "$binary" --help 2>&1 | grep -q -- '--mptcp'; then
    if [ "$require_mptcp" = yes ]; then
        echo "the OS package $package ($("$binary" --version 2>&1 | head -n 1)) has no --mptcp: build iperf3 3.19 or later from source, or set iperf3.mptcp to auto or mptcpize" >&2
        exit 8
    fi
    mode=mptcpize
    command -v mptcpize >/dev/null || apt-get install -y -qq --no-install-recommends mptcpize >/dev/null
fi
echo "binary=$binary"
echo "version=$("$binary" --version 2>&1 | head -n 1)"
echo "commit="
echo "mptcp=$mode"
`;

const readScript = `
binary=$1
if [ -x "$binary" ]; then echo "version=$("$binary" --version 2>&1 | head -n 1)"; else echo "version="; fi
`;


async function install(inputs: Iperf3Inputs): Promise<Iperf3Outputs> {
    const script =
        inputs.from === "source"
            ? scriptWithArguments(buildScript, [inputs.repository, inputs.tag, sourceDir, inputs.requireMptcpFlag ? "yes" : "no", ...inputs.configureFlags])
            : scriptWithArguments(packageScript, [inputs.package, inputs.requireMptcpFlag ? "yes" : "no"]);
    const step = inputs.from === "source" ? `build iperf3 ${inputs.tag} from ${inputs.repository}` : `install iperf3 from the OS package ${inputs.package}`;
    const { stdout } = await runRemote(inputs.connection, { host: inputs.hostName, step, script, timeoutSeconds: 1800 });
    const values = parseKeyValues(stdout);
    return { ...inputs, binary: values.binary, version: values.version, commit: values.commit, mptcp: values.mptcp === "native" ? "native" : "mptcpize" };
}

/** The inputs that decide what gets built; a change in any of them means a rebuild. */
function buildKey(inputs: Iperf3Inputs): string {
    return inputs.from === "source"
        ? JSON.stringify(["source", inputs.repository, inputs.tag, inputs.configureFlags, inputs.requireMptcpFlag])
        : JSON.stringify(["package", inputs.package, inputs.requireMptcpFlag]);
}

export const operations: pulumi.dynamic.ResourceProvider = {
    async check(_olds: Iperf3Inputs, news: Iperf3Inputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const expect = (property: string, value: string, pattern: RegExp) => {
            try {
                requireSafe(property, value, pattern);
            } catch (error) {
                failures.push({ property, reason: (error as Error).message });
            }
        };
        if (news.from === "source") {
            expect("repository", news.repository, shellSafe.gitUrl);
            expect("tag", news.tag, shellSafe.gitTag);
            news.configureFlags.forEach((flag, index) => expect(`configureFlags[${index}]`, flag, shellSafe.configureFlag));
        } else {
            expect("package", news.package, shellSafe.debianPackage);
        }
        return { inputs: news, failures };
    },
    async diff(_id: string, olds: Iperf3Outputs, news: Iperf3Inputs) {
        const moved = JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
        // A binary that went missing or changed by hand is rebuilt too.
        const tampered = olds.version === "";
        return { changes: moved || tampered || buildKey(olds) !== buildKey(news) || olds.providerVersion !== news.providerVersion };
    },
    async create(inputs: Iperf3Inputs) {
        return { id: `iperf3/${inputs.hostName}`, outs: await install(inputs) };
    },
    async update(_id: string, _olds: Iperf3Outputs, news: Iperf3Inputs) {
        return { outs: await install(news) };
    },
    async read(id: string, props: Iperf3Outputs) {
        const { stdout } = await runRemote(props.connection, { host: props.hostName, step: "read iperf3", script: scriptWithArguments(readScript, [props.binary]), timeoutSeconds: 60 });
        return { id, props: { ...props, version: parseKeyValues(stdout).version ?? "" } };
    },
    async delete() {
        // The build and the package stay: they cost nothing at rest and a re-create reuses them.
    },
};

/** What the engine serialises: a shim that loads `operations` from this file when called. */
export const iperf3Provider = providerShim("components/iperf3-provider");
