import * as pulumi from "@pulumi/pulumi";
import { LAB_DEFAULTS } from "../lab/normalise";
import { type HostFacts, iperf3SourceDir, localIperf3Binary } from "../remote/host-facts";
import { requireSafe, shellSafe } from "../remote/shell";
import { hostCommand, resultOf } from "./host-command";
import type { RaspberryPi } from "./raspberry-pi";

export interface Iperf3Args {
    /** The host to install on; the component is parented to it. */
    host: RaspberryPi;
    /** `source` (a git tag, built on the host) or `package` (the OS package). */
    from: pulumi.Input<"source" | "package">;
    /** Git URL the host can reach; default the upstream repository. */
    repository?: pulumi.Input<string>;
    /** Release tag, e.g. `3.21`; never a branch. Default the lab's default tag. */
    tag?: pulumi.Input<string>;
    /** Extra `./configure` flags, e.g. `--disable-shared`; default none. */
    configureFlags?: pulumi.Input<pulumi.Input<string>[]>;
    /** OS package for `from: package`; default `iperf3`. */
    package?: pulumi.Input<string>;
    /** Fail unless the binary offers --mptcp; otherwise runs fall back to mptcpize. Default false. */
    requireMptcpFlag?: pulumi.Input<boolean>;
    /** Install mptcpize even when the binary offers --mptcp: the lab runs iperf3 under it. Default false. */
    runsUnderMptcpize?: pulumi.Input<boolean>;
    /**
     * A git URL the host fetches `repository` from instead, set in its git config (insteadOf), e.g.
     * the emulated bench's mirror or a classroom controller's. Default none: the URL itself.
     */
    mirror?: pulumi.Input<string>;
}


// Shared by both scripts. The help text is captured before it is matched: `iperf3 --help | grep -q`
// under pipefail fails now and then, when grep exits at the match and iperf3 dies of SIGPIPE.
export const iperf3ScriptHelpers = `
first_line() { local text; text=$("$@" 2>&1 || true); printf '%s\\n' "\${text%%$'\\n'*}"; }
offers_mptcp() { local help; help=$("$1" --help 2>&1 || true); [[ $help == *--mptcp* ]]; }
ensure_mptcpize() {
    command -v mptcpize >/dev/null || apt_get install -y -qq --no-install-recommends mptcpize >/dev/null \\
        || fail 9 package-install-failed "apt-get install mptcpize failed"
}
report() { printf 'binary=%s\\nversion=%s\\ncommit=%s\\nmptcp=%s\\n' "$1" "$(first_line "$1" --version)" "$2" "$3"; }
`;

// Clone or fetch, check out the exact tag, configure, build; judge the build before installing it
// (a rejected tag never replaces a working iperf3), install, ldconfig (Debian's libiperf0 has the
// same soname), then check what the installed binary reports. A stamp of what was installed lets
// a re-run that finds its work done report it without building.
const buildScript = `${iperf3ScriptHelpers}
repository=$1 tag=$2 src=$3 binary=$4 require_mptcp=$5 mirror=$6 answering=$7
shift 7
wanted="$repository $tag $require_mptcp $*"
mkdir -p "$(dirname "$src")"
# One build at a time per host: a re-run never cleans the tree under a build still running.
exec 9>"$src.lock"
flock 9
# The host's git asks the mirror for the lab's URL; any other mirror of that URL goes.
mirror_keys=$(git config --system --get-regexp '^url\..*\.insteadof$' 2>/dev/null || true)
while read -r key value; do
    if [ "$value" = "$repository" ] && [ "$key" != "url.$mirror.insteadof" ]; then git config --system --unset-all "$key"; fi
done <<< "$mirror_keys"
if [ -n "$mirror" ] && [ "$(git config --system --get-all "url.$mirror.insteadOf" || true)" != "$repository" ]; then
    git config --system --replace-all "url.$mirror.insteadOf" "$repository"
fi
stamp="$src.installed"
binary_sha256() { sha256sum < "$binary" | cut -d' ' -f1; }
# What was asked for, the commit, the mode, the installed binary's sha256 (the host's facts
# compare the binary with it, so that a hand-replaced iperf3 is told from this build's) and the
# change this install answered (the facts report it back, so the next up sees the same trigger).
record_install() { printf '%s\\n%s\\n%s\\n%s\\n%s\\n' "$wanted" "$commit" "$mode" "$(binary_sha256)" "$answering" > "$stamp"; }
if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$wanted" ] && [ -x "$binary" ] && [ "$(sed -n 4p "$stamp")" = "$(binary_sha256)" ]; then
    commit=$(sed -n 2p "$stamp") mode=$(sed -n 3p "$stamp")
    case "$(first_line "$binary" --version)" in
        "iperf $tag "*|"iperf $tag")
            if [ "$mode" = mptcpize ] || offers_mptcp "$binary"; then
                if [ "$mode" = mptcpize ] || [ "$require_mptcp" = mptcpize ]; then ensure_mptcpize; fi
                record_install
                report "$binary" "$commit" "$mode"
                exit 0
            fi ;;
    esac
fi
# The stamp stays until a build replaces it: a failed attempt (a missing tag, say) leaves the
# installed binary, and the facts still see it as this build's.
if [ -d "$src/.git" ]; then
    git -C "$src" remote set-url origin -- "$repository" 2>/dev/null || git -C "$src" remote set-url origin "$repository"
    git -C "$src" fetch -q --force --tags origin || fail 3 iperf3-source-unavailable "git fetch from $repository failed"
else
    rm -rf "$src"
    git clone -q -- "$repository" "$src" || fail 3 iperf3-source-unavailable "git clone of $repository failed"
fi
if ! commit=$(git -C "$src" rev-parse -q --verify "refs/tags/$tag^{commit}"); then
    tags=$(git -C "$src" tag --sort=-creatordate)
    fail 3 iperf3-source-unavailable "tag $tag does not exist in $repository (newest tags: $(printf '%s\\n' "$tags" | sed -n '1,5p' | tr '\\n' ' '))"
fi
git -C "$src" checkout -q --force --detach "$commit"
git -C "$src" clean -q -fdx
cd "$src"
./configure -q "$@" > configure.log 2>&1 || { tail -n 20 configure.log >&2; fail 4 iperf3-build-failed "./configure $* failed"; }
make -s -j"$(nproc)" > make.log 2>&1 || { tail -n 20 make.log >&2; fail 5 iperf3-build-failed "make failed"; }
mode=native
if ! offers_mptcp ./src/iperf3; then
    [ "$require_mptcp" = yes ] && fail 8 iperf3-no-mptcp "iperf3 $tag built without --mptcp: tags before 3.19 lack it, and configure enables it only when IPPROTO_MPTCP compiles"
    mode=mptcpize
fi
make -s install > install.log 2>&1 || { tail -n 20 install.log >&2; fail 6 iperf3-build-failed "make install failed"; }
ldconfig
version=$(first_line "$binary" --version)
case "$version" in
    "iperf $tag "*|"iperf $tag") ;;
    *) fail 7 iperf3-shadowed "the installed iperf3 reports \\"$version\\", not $tag: an older libiperf may shadow the new one (check ldconfig -p for libiperf)" ;;
esac
if [ "$mode" = native ] && ! offers_mptcp "$binary"; then
    fail 7 iperf3-shadowed "the installed iperf3 $tag does not offer --mptcp although the build did: an older libiperf may shadow the new one"
fi
if [ "$mode" = mptcpize ] || [ "$require_mptcp" = mptcpize ]; then ensure_mptcpize; fi
record_install
report "$binary" "$commit" "$mode"
`;

const packageScript = `${iperf3ScriptHelpers}
package=$1 require_mptcp=$2
if [ "$(dpkg-query -W -f='\${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    if ! apt-cache show "$package" >/dev/null 2>&1; then apt_get update -qq; fi
    apt_get install -y -qq --no-install-recommends "$package" >/dev/null || fail 3 package-install-failed "apt-get install $package failed"
fi
binary=$(command -v iperf3) || fail 3 package-install-failed "the package $package installed no iperf3 on PATH"
mode=native
if ! offers_mptcp "$binary"; then
    [ "$require_mptcp" = yes ] && fail 8 iperf3-no-mptcp "the OS package $package ($(first_line "$binary" --version)) has no --mptcp: build iperf3 3.19 or later from source, or set iperf3.mptcp to auto or mptcpize"
    mode=mptcpize
fi
if [ "$mode" = mptcpize ] || [ "$require_mptcp" = mptcpize ]; then ensure_mptcpize; fi
report "$binary" "" "$mode"
`;

/**
 * The installed binary as a trigger: one that mptcp-lab's build did not install (a hand-replaced
 * iperf3 in /usr/local/bin) gets a new value and rebuilds it. The build records the value it
 * answered and the facts report it back while the binary is the build's, so the up after a
 * rebuild sees the same value and changes nothing. A binary not there yet counts as the build's;
 * a tag change alone leaves this value as it is (the tag is a trigger of its own).
 */
export function installedIperf3Trigger(facts: Pick<HostFacts, "localIperf3State" | "localIperf3Change">): string {
    return facts.localIperf3State === "absent" || facts.localIperf3Change === "" ? "as built" : facts.localIperf3Change;
}

/** iperf3 on a host, from source at a pinned tag or from the OS package, verified after install. */
export class Iperf3 extends pulumi.ComponentResource {
    readonly binary: pulumi.Output<string>;
    readonly version: pulumi.Output<string>;
    readonly commit: pulumi.Output<string>;
    /** `native` when the binary has --mptcp, else `mptcpize`. */
    readonly mptcp: pulumi.Output<"native" | "mptcpize">;

    constructor(name: string, args: Iperf3Args, opts?: pulumi.ComponentResourceOptions) {
        const from = pulumi.output(args.from);
        const repository = pulumi.output(args.repository ?? LAB_DEFAULTS.repository);
        const tag = pulumi.output(args.tag ?? LAB_DEFAULTS.tag);
        const configureFlags = pulumi.output(args.configureFlags ?? []);
        const packageName = pulumi.output(args.package ?? "iperf3");
        // One parameter for the scripts: `yes` (fail without --mptcp), `mptcpize` (install it whatever
        // the binary offers) or `no`.
        const requireMptcp = pulumi
            .all([args.requireMptcpFlag ?? false, args.runsUnderMptcpize ?? false])
            .apply(([required, underMptcpize]) => (required ? "yes" : underMptcpize ? "mptcpize" : "no"));
        const mirror = pulumi.output(args.mirror ?? "");
        super("mptcp-lab:host:Iperf3", name, { hostName: args.host.hostName, from, repository, tag, package: packageName }, { parent: args.host, ...opts });

        const observed = pulumi.all([from, args.host.facts]).apply(([mode, facts]) => (mode === "source" ? installedIperf3Trigger(facts) : ""));
        const source = pulumi.all([from, repository, tag, configureFlags, packageName, requireMptcp, mirror, observed]).apply(([mode, url, release, flags, pkg, required, mirrorUrl, answering]) =>
            mode === "source"
                ? {
                      step: `build iperf3 ${release} from ${url}`,
                      script: buildScript,
                      values: [
                          requireSafe("repository", url, shellSafe.gitUrl),
                          requireSafe("tag", release, shellSafe.gitTag),
                          iperf3SourceDir,
                          localIperf3Binary,
                          required,
                          mirrorUrl === "" ? "" : requireSafe("mirror", mirrorUrl, shellSafe.gitUrl),
                          answering,
                          ...flags.map((flag, index) => requireSafe(`configureFlags[${index}]`, flag, shellSafe.configureFlag)),
                      ],
                  }
                : { step: `install iperf3 from the OS package ${pkg}`, script: packageScript, values: [requireSafe("package", pkg, shellSafe.debianPackage), required] },
        );
        // The resource count must not depend on outputs: one command, whose script `from` chooses.
        const install = hostCommand(
            `${name}-install`,
            {
                host: args.host,
                step: source.step,
                script: source.script,
                arguments: source.values,
                triggers: [from, repository, tag, configureFlags, packageName, requireMptcp, observed],
            },
            { parent: this },
        );
        const result = resultOf(install);
        this.binary = result.binary;
        this.version = result.version;
        this.commit = result.commit;
        this.mptcp = result.mptcp.apply((mode) => (mode === "native" ? "native" : "mptcpize"));
        this.registerOutputs({ binary: this.binary, version: this.version, commit: this.commit, mptcp: this.mptcp });
    }
}
