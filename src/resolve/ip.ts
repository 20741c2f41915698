// Addresses parsed once, in one canonical text form, and their host CIDR (/32, /128).
import ipaddr from "ipaddr.js";

export interface ParsedIp {
  /** Canonical text (IPv4 dotted, IPv6 RFC 5952 compact; IPv4-mapped IPv6 becomes IPv4). */
  text: string;
  family: 4 | 6;
  /** Loopback or unspecified: never a peer. */
  loopback: boolean;
}

export function parseIp(raw: string): ParsedIp | null {
  const s = raw.trim();
  if (!ipaddr.isValid(s)) return null;
  // ipaddr accepts loose IPv4 forms ("10.1", octal); the broker never sends them, so reject rather than guess.
  if (!s.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(s)) return null;
  let addr = ipaddr.parse(s);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const range = addr.range();
  return { text: addr.toString(), family: addr.kind() === "ipv4" ? 4 : 6, loopback: range === "loopback" || range === "unspecified" };
}

/** The single-address CIDR of an IP: /32 for IPv4, /128 for IPv6. */
export function hostCidr(ip: ParsedIp): string {
  return `${ip.text}/${ip.family === 4 ? 32 : 128}`;
}
