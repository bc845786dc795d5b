// The dynamic providers as the components name them: the module each shim loads in the provider
// process, and the version each writes into its resources' inputs, bumped when a provider's
// behaviour changes so that an update picks the new code up. Apart from the providers, so that the
// program loads none of their code (ssh2, the bench, the failover runner), which only the
// provider process runs: a tenth of a second of every engine start, before the first resource.
import { providerShim } from "./provider-shim";

export const hostStateProvider = providerShim("components/host-state-provider");
export const hostStateProviderVersion = "4";

export const mptcpEndpointsProvider = providerShim("components/mptcp-endpoints-provider");
export const mptcpEndpointsProviderVersion = "2";

export const emulatedBenchProvider = providerShim("components/emulated-bench-provider");
export const emulatedBenchProviderVersion = "2";

export const repositoryMirrorProvider = providerShim("components/repository-mirror-provider");
export const repositoryMirrorProviderVersion = "1";

export const failoverTestProvider = providerShim("components/failover-test-provider");
export const failoverTestProviderVersion = "1";
