// CIDR arithmetic for widening: the network of an address at a prefix, the smallest prefix holding a
// set of addresses, containment. IPv4 and IPv6 alike (never mixed).
import ipaddr from "ipaddr.js";

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

function split(cidr: string): [Addr, number] {
  const [a, len] = ipaddr.parseCIDR(cidr);
  return [a, len];
}

/** The network address of `a` at prefix `len`, as ipaddr computes it. */
function masked(a: Addr, len: number): Addr {
  const text = `${a.toString()}/${len}`;
  return a.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
}

/** `cidr`'s network at prefix `len` ("203.0.113.7/32", 24 → "203.0.113.0/24"). */
export function networkOf(cidr: string, len: number): string {
  const [a] = split(cidr);
  return `${masked(a, len).toString()}/${len}`;
}

export const prefixLength = (cidr: string): number => split(cidr)[1];
export const family = (cidr: string): 4 | 6 => (split(cidr)[0].kind() === "ipv4" ? 4 : 6);
export const hostBits = (f: 4 | 6): number => (f === 4 ? 32 : 128);

/** The longest prefix holding every one of `cidrs` (one family). */
export function commonPrefix(cidrs: string[]): string {
  const parts = cidrs.map(split);
  const first = parts[0];
  if (!first) throw new Error("commonPrefix of nothing");
  let len = Math.min(...parts.map(([, l]) => l));
  const bytes = parts.map(([a]) => a.toByteArray());
  const f = bytes[0] as number[];
  for (let bit = 0; bit < len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (bytes.some((b) => ((b[byte] as number) & mask) !== ((f[byte] as number) & mask))) {
      len = bit;
      break;
    }
  }
  return `${masked(first[0], len).toString()}/${len}`;
}

/** Every address of `inner` is in `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
  const [ia, il] = split(inner);
  const [oa, ol] = split(outer);
  return ia.kind() === oa.kind() && il >= ol && ia.match(oa, ol);
}

/** How many addresses a prefix holds, as text ("256", "2^64"). */
export function sizeText(cidr: string): string {
  const [a, l] = split(cidr);
  const bits = hostBits(a.kind() === "ipv4" ? 4 : 6) - l;
  return bits <= 32 ? (2 ** bits).toLocaleString("en") : `2^${bits}`;
}

const NOT_PUBLIC = new Set(["private", "loopback", "linkLocal", "carrierGradeNat", "unspecified", "multicast", "broadcast", "uniqueLocal"]);

/** The address is reachable from the internet: not private, shared, link-local, … (documentation ranges count as public, as they stand for it). */
export function isPublic(cidr: string): boolean {
  const [a] = split(cidr);
  return !NOT_PUBLIC.has(a.range());
}
