export { runRemote, hostKeyBlob, RemoteStepError } from "./ssh";
export type { HostConnection, RemoteResult, RemoteStep } from "./ssh";
export { shellQuote, shellSafe, requireSafe, scriptWithArguments, parseKeyValues, UnsafeValueError } from "./shell";
export { readFactsScript, parseFacts, headerPackageCandidates } from "./host-facts";
export type { HostFacts, InterfaceFacts } from "./host-facts";
