import * as pulumi from "@pulumi/pulumi";
import { LAB_DEFAULTS } from "../lab/normalise";
import { headerPackageCandidates } from "../remote/host-facts";
import { requireSafe, shellSafe } from "../remote/shell";
import { hostCommand, resultOf } from "./host-command";
import type { RaspberryPi } from "./raspberry-pi";

export interface KernelHeadersArgs {
    /** The host to install on; the component is parented to it. */
    host: RaspberryPi;
    /** `auto` (from the running kernel and OS) or an explicit package name; default `auto`. */
    package?: pulumi.Input<string>;
}

// Installs the first candidate apt knows with git and build-essential (nothing when all three are
// there already), then proves what iperf3's configure needs: `int foo = IPPROTO_MPTCP;` compiles
// against <netinet/in.h>. $1 is a space-separated candidate list, each validated.
const installScript = `
read -r -a candidates <<< "$1"
installed() { [ "$(dpkg-query -W -f='\${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
chosen=""
for candidate in "\${candidates[@]}"; do
    if installed "$candidate"; then chosen=$candidate; break; fi
done
if [ -z "$chosen" ]; then
    if ! apt-cache show "\${candidates[0]}" >/dev/null 2>&1; then apt_get update -qq; fi
    for candidate in "\${candidates[@]}"; do
        if apt-cache show "$candidate" >/dev/null 2>&1; then chosen=$candidate; break; fi
    done
fi
[ -n "$chosen" ] || fail 3 headers-unavailable "no headers package for kernel $(uname -r): tried \${candidates[*]}"
if ! installed "$chosen" || ! installed git || ! installed build-essential; then
    apt_get install -y -qq --no-install-recommends "$chosen" git build-essential >/dev/null \\
        || fail 3 package-install-failed "apt-get install $chosen git build-essential failed"
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <netinet/in.h>\\n#include <stdio.h>\\nint foo = IPPROTO_MPTCP;\\nint main(void) { printf("%%d\\\\n", foo); return 0; }\\n' > "$probe/probe.c"
if ! cc -o "$probe/probe" "$probe/probe.c" 2> "$probe/cc.log"; then
    cat "$probe/cc.log" >&2
    fail 4 libc-no-mptcp "IPPROTO_MPTCP does not compile against <netinet/in.h>: iperf3 would build without --mptcp (glibc 2.32 or later is needed)"
fi
echo "kernel=$(uname -r)"
echo "package=$chosen"
echo "version=$(dpkg-query -W -f='\${Version}' "$chosen")"
echo "ipproto_mptcp=$("$probe/probe")"
`;

/** The packages to try, best first: the explicit one, or those that fit the running kernel. */
export function headerCandidates(packageChoice: string, kernelRelease: string): string[] {
    const candidates = packageChoice === "auto" ? headerPackageCandidates({ kernelRelease }) : [packageChoice];
    return candidates.map((candidate) => requireSafe("headers package", candidate, shellSafe.debianPackage));
}

/**
 * The running kernel's headers plus git and build-essential, as in the seed's apt line, with a
 * compile probe of what iperf3's configure checks. Runs again when the package choice or the
 * running kernel (from the host's facts) changes: after a kernel upgrade and a reboot, the next
 * `up` installs the new kernel's headers.
 */
export class KernelHeaders extends pulumi.ComponentResource {
    readonly kernelRelease: pulumi.Output<string>;
    readonly installedPackage: pulumi.Output<string>;
    readonly installedVersion: pulumi.Output<string>;

    constructor(name: string, args: KernelHeadersArgs, opts?: pulumi.ComponentResourceOptions) {
        const packageChoice = pulumi.output<string>(args.package ?? LAB_DEFAULTS.headers);
        super("mptcp-lab:host:KernelHeaders", name, { hostName: args.host.hostName, package: packageChoice }, { parent: args.host, ...opts });
        const kernelRelease = args.host.facts.kernelRelease;
        const install = hostCommand(
            `${name}-install`,
            {
                host: args.host,
                step: "install kernel headers, git and build-essential",
                script: installScript,
                arguments: pulumi.all([packageChoice, kernelRelease]).apply(([choice, release]) => [headerCandidates(choice, release).join(" ")]),
                triggers: [packageChoice, kernelRelease],
            },
            { parent: this },
        );
        const result = resultOf(install);
        this.kernelRelease = result.kernel;
        this.installedPackage = result.package;
        this.installedVersion = result.version;
        this.registerOutputs({ kernelRelease: this.kernelRelease, installedPackage: this.installedPackage, installedVersion: this.installedVersion });
    }
}
