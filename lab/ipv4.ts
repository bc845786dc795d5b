// IPv4 arithmetic for the semantic checks: addresses as unsigned 32-bit numbers, prefixes as
// (network, length) pairs. Inputs have passed the schema's ipv4 format or CIDR pattern.

export interface Ipv4Prefix {
    readonly network: number;
    readonly length: number;
}

export function parseAddress(address: string): number {
    return address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** `198.18.0.133/24` -> the address as a number and the prefix it sits in. */
export function parseCidr(cidr: string): { readonly address: number; readonly prefix: Ipv4Prefix } {
    const [address, length] = cidr.split("/");
    const value = parseAddress(address);
    return { address: value, prefix: { network: networkOf(value, Number(length)), length: Number(length) } };
}

export function networkOf(address: number, length: number): number {
    const size = 2 ** (32 - length);
    return address - (address % size);
}

export function prefixContains(outer: Ipv4Prefix, address: number): boolean {
    return networkOf(address, outer.length) === outer.network;
}

/** Whether every address of `inner` lies in `outer`. */
export function prefixWithin(inner: Ipv4Prefix, outer: Ipv4Prefix): boolean {
    return inner.length >= outer.length && prefixContains(outer, inner.network);
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
    return prefixWithin(a, b) || prefixWithin(b, a);
}

/** Whether the address is the network or broadcast address of a prefix that has host addresses. */
export function isReservedInPrefix(address: number, length: number): boolean {
    if (length >= 31) return false;
    const network = networkOf(address, length);
    return address === network || address === network + 2 ** (32 - length) - 1;
}

export function formatPrefix(prefix: Ipv4Prefix): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(prefix.network / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefix.length}`;
}
