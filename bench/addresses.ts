// IPv4 address arithmetic for bench plans. Pure functions, no I/O.

/** Every bench address lies in this benchmarking range (RFC 2544), never anywhere else. */
export const BENCH_ADDRESS_RANGE = "198.18.0.0/15";

export interface Ipv4Cidr {
    /** The address as an unsigned 32-bit number. */
    readonly address: number;
    readonly prefixLength: number;
}

const OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

export function parseIpv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) return undefined;
    return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export function parseCidr(text: string): Ipv4Cidr | undefined {
    const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
    if (!match) return undefined;
    const address = parseIpv4(match[1]);
    const prefixLength = Number(match[2]);
    if (address === undefined || prefixLength > 32) return undefined;
    return { address, prefixLength };
}

function blockSize(prefixLength: number): number {
    return 2 ** (32 - prefixLength);
}

export function networkAddress(cidr: Ipv4Cidr): number {
    const size = blockSize(cidr.prefixLength);
    return cidr.address - (cidr.address % size);
}

/** True when the CIDR names a network (no host bits set), e.g. `198.18.0.0/24`. */
export function isNetwork(cidr: Ipv4Cidr): boolean {
    return networkAddress(cidr) === cidr.address;
}

export function contains(network: Ipv4Cidr, address: number): boolean {
    const start = networkAddress(network);
    return address >= start && address < start + blockSize(network.prefixLength);
}

export function overlaps(first: Ipv4Cidr, second: Ipv4Cidr): boolean {
    const wider = first.prefixLength <= second.prefixLength ? first : second;
    const narrower = wider === first ? second : first;
    return contains(wider, networkAddress(narrower));
}

/** True for a usable host address of the network: neither its network nor its broadcast address. */
export function isHostAddressOf(network: Ipv4Cidr, address: number): boolean {
    const start = networkAddress(network);
    const end = start + blockSize(network.prefixLength) - 1;
    return address > start && address < end;
}

/** The n-th address of a network (n = 1 is the first host address), as `a.b.c.d`. */
export function nthAddress(network: Ipv4Cidr, n: number): string {
    if (n < 0 || n >= blockSize(network.prefixLength)) {
        throw new RangeError(`address #${n} lies outside a /${network.prefixLength}`);
    }
    return formatIpv4(networkAddress(network) + n);
}

export function mustParseCidr(text: string): Ipv4Cidr {
    const cidr = parseCidr(text);
    if (!cidr) throw new RangeError(`not an IPv4 CIDR: ${text}`);
    return cidr;
}
