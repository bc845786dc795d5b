// Dynamic provider that installs the headers package of the running kernel plus git and
// build-essential, then proves what iperf3's configure needs: `int foo = IPPROTO_MPTCP;` compiles
// against <netinet/in.h>. `diff` looks at the running kernel, so after an upgrade and a reboot the
// next `up` installs the new kernel's headers.
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./provider-shim";
import { headerPackageCandidates } from "../remote/host-facts";
import { parseKeyValues, requireSafe, scriptWithArguments, shellSafe } from "../remote/shell";
import { HostConnection, runRemote } from "../remote/ssh";

export const kernelHeadersProviderVersion = "1";

export interface KernelHeadersInputs {
    connection: HostConnection;
    hostName: string;
    /** `auto`, or an explicit package name. */
    package: string;
    providerVersion: string;
}

export interface KernelHeadersOutputs extends KernelHeadersInputs {
    /** The kernel the headers were installed for. */
    kernelRelease: string;
    /** The package actually installed, and its version. */
    installedPackage: string;
    installedVersion: string;
    /** IPPROTO_MPTCP as the host's C library defines it (262). */
    ipprotoMptcp: number;
}

// Picks the first candidate apt knows, installs it with git and build-essential, then compiles
// the probe. $1 is a space-separated candidate list (each validated).
const installScript = `
read -r -a candidates <<< "$1"
if ! apt-cache show "\${candidates[0]}" >/dev/null 2>&1; then apt-get update -qq; fi
chosen=""
for candidate in "\${candidates[@]}"; do
    if apt-cache show "$candidate" >/dev/null 2>&1; then chosen=$candidate; break; fi
done
if [ -z "$chosen" ]; then
    echo "no headers package for kernel $(uname -r): tried \${candidates[*]}" >&2
    exit 3
fi
apt-get install -y -qq --no-install-recommends "$chosen" git build-essential >/dev/null
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <netinet/in.h>\\n#include <stdio.h>\\nint foo = IPPROTO_MPTCP;\\nint main(void) { printf("%%d\\\\n", foo); return 0; }\\n' > "$probe/probe.c"
if ! cc -o "$probe/probe" "$probe/probe.c" 2> "$probe/cc.log"; then
    cat "$probe/cc.log" >&2
    echo "IPPROTO_MPTCP does not compile against <netinet/in.h>: iperf3 would build without --mptcp (glibc 2.32 or later is needed)" >&2
    exit 4
fi
echo "kernel=$(uname -r)"
echo "package=$chosen"
echo "version=$(dpkg-query -W -f='\${Version}' "$chosen")"
echo "ipproto_mptcp=$("$probe/probe")"
`;


async function runningKernel(inputs: KernelHeadersInputs): Promise<string> {
    const { stdout } = await runRemote(inputs.connection, { host: inputs.hostName, step: "read the running kernel", script: "uname -r\n", timeoutSeconds: 60 });
    return stdout.trim();
}

async function install(inputs: KernelHeadersInputs): Promise<KernelHeadersOutputs> {
    // The release only picks the package; the install script reports the kernel it installed for.
    const candidates = inputs.package === "auto" ? headerPackageCandidates({ kernelRelease: await runningKernel(inputs) }) : [inputs.package];
    candidates.forEach((candidate) => requireSafe("headers package", candidate, shellSafe.debianPackage));
    const { stdout } = await runRemote(inputs.connection, {
        host: inputs.hostName,
        step: "install kernel headers, git and build-essential",
        script: scriptWithArguments(installScript, [candidates.join(" ")]),
        timeoutSeconds: 1800,
    });
    const values = parseKeyValues(stdout);
    return {
        ...inputs,
        kernelRelease: values.kernel,
        installedPackage: values.package,
        installedVersion: values.version,
        ipprotoMptcp: Number(values.ipproto_mptcp),
    };
}

export const operations: pulumi.dynamic.ResourceProvider = {
    async check(_olds: KernelHeadersInputs, news: KernelHeadersInputs) {
        const valid = news.package === "auto" || shellSafe.debianPackage.test(news.package);
        const failures = valid ? [] : [{ property: "package", reason: `${JSON.stringify(news.package)} is not a Debian package name; use "auto" or a name like linux-headers-rpi-v8` }];
        return { inputs: news, failures };
    },
    async diff(_id: string, olds: KernelHeadersOutputs, news: KernelHeadersInputs) {
        const changedInputs = olds.package !== news.package || olds.providerVersion !== news.providerVersion || JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
        if (changedInputs) return { changes: true };
        // Unreachable hosts fail here, during preview: better than a stale "no changes".
        return { changes: (await runningKernel(news)) !== olds.kernelRelease };
    },
    async create(inputs: KernelHeadersInputs) {
        return { id: `kernel-headers/${inputs.hostName}`, outs: await install(inputs) };
    },
    async update(_id: string, _olds: KernelHeadersOutputs, news: KernelHeadersInputs) {
        return { outs: await install(news) };
    },
    async read(id: string, props: KernelHeadersOutputs) {
        const script = scriptWithArguments("dpkg-query -W -f='${Version}' \"$1\" 2>/dev/null || true\n", [props.installedPackage]);
        const { stdout } = await runRemote(props.connection, { host: props.hostName, step: "read kernel headers", script, timeoutSeconds: 60 });
        return { id, props: { ...props, installedVersion: stdout.trim() } };
    },
    async delete() {
        // Headers, git and build-essential stay: removing packages could break other software.
    },
};

/** What the engine serialises: a shim that loads `operations` from this file when called. */
export const kernelHeadersProvider = providerShim("components/kernel-headers-provider");
