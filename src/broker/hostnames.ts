// Names external addresses were looked up by: a snapshot's hostnames section, or a --hostnames file
// (the same list, or Hubble's DNS flows from `hubble observe --protocol dns -o json`). Pure.
import ipaddr from "ipaddr.js";
import * as z from "zod/mini";
import type { Hostname } from "../model/types.ts";

// A DNS name as Cilium's matchName takes it: labels of letters, digits, "-" and "_", at most 253 characters.
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const HostnameWire = z.object({ ip: z.string(), names: z.array(z.string()).check(z.minLength(1)) });
const normalise = (n: string) => n.toLowerCase().replace(/\.$/, "");

export interface ParsedHostnames {
  items: Hostname[];
  malformed: number;
}

/** Each entry whole or not at all: a valid address and only valid names (case and a final dot are normalised). */
export function parseHostnames(list: unknown[]): ParsedHostnames {
  const items: Hostname[] = [];
  let malformed = 0;
  for (const el of list) {
    const r = HostnameWire.safeParse(el);
    const names = r.success ? r.data.names.map(normalise) : [];
    if (!r.success || !ipaddr.isValid(r.data.ip.trim()) || !names.every((n) => DNS_NAME.test(n))) {
      malformed++;
      continue;
    }
    items.push({ ip: r.data.ip.trim(), names: [...new Set(names)].sort() });
  }
  return { items, malformed };
}

// The part of a Hubble flow that names addresses: a DNS answer's query and the addresses it returned.
const L7 = z.object({ dns: z.optional(z.object({ query: z.string(), ips: z.optional(z.array(z.string())) })) });
// `hubble observe -o json` wraps each flow in {"flow": …}; a bare flow is accepted too.
const HubbleDns = z.object({ flow: z.optional(z.object({ l7: z.optional(L7) })), l7: z.optional(L7) });

export class HostnamesError extends Error {}

/** The list formats: a JSON list of {ip, names}, or {"hostnames": [...]} as in a snapshot. */
export function isListFormat(head: string): boolean {
  const t = head.trimStart();
  return t.startsWith("[") || /^\{\s*"hostnames"/.test(t);
}

/**
 * Hubble flows as JSON lines, one at a time (a capture can be large): DNS answers with addresses name
 * them; other flows are skipped unparsed once the input has proved to be JSON; bad lines are counted.
 */
export class HubbleDnsReader {
  private readonly byIp = new Map<string, Set<string>>();
  private lines = 0;
  private json = 0;
  private malformed = 0;

  add(raw: string): void {
    const line = this.lines === 0 ? raw.replace(/^\uFEFF/, "") : raw;
    if (!line.trim()) return;
    this.lines++;
    // Most flows are not DNS; parsing only the lines that can be saves most of the time.
    if (this.json > 0 && !line.includes('"dns"')) return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
      this.json++;
    } catch {
      this.malformed++;
      return;
    }
    const r = HubbleDns.safeParse(doc);
    const dns = r.success ? (r.data.flow?.l7?.dns ?? r.data.l7?.dns) : undefined;
    if (!dns) return;
    const name = normalise(dns.query);
    // Queries and answers without addresses (NXDOMAIN, no AAAA) name nothing.
    for (const raw of dns.ips ?? []) {
      const ip = raw.trim();
      if (!ipaddr.isValid(ip) || !DNS_NAME.test(name)) {
        this.malformed++;
        continue;
      }
      const key = ipaddr.process(ip).toString();
      const names = this.byIp.get(key) ?? new Set<string>();
      this.byIp.set(key, names);
      names.add(name);
    }
  }

  result(source: string): ParsedHostnames {
    if (this.lines > 0 && this.json === 0)
      throw new HostnamesError(`${source} is neither a JSON list of {ip, names} nor JSON lines of Hubble flows`);
    const items = [...this.byIp].map(([ip, names]) => ({ ip, names: [...names] }));
    return { items: mergeHostnames(items, []), malformed: this.malformed };
  }
}

/**
 * A --hostnames input line by line (a file or stdin): a list is gathered and parsed whole, Hubble's
 * flows one at a time. A first line of "[", "{" alone or '{"hostnames"' starts a list.
 */
export async function readHostnameLines(lines: AsyncIterable<string> | Iterable<string>, source: string): Promise<ParsedHostnames> {
  const reader = new HubbleDnsReader();
  let list: string[] | null = null;
  let first = true;
  for await (const raw of lines) {
    const line = first ? raw.replace(/^\uFEFF/, "") : raw;
    if (first && line.trim()) {
      first = false;
      if (isListFormat(line) || line.trim() === "{") list = [];
    }
    if (list) list.push(line);
    else reader.add(line);
  }
  return list ? parseHostnamesList(list.join("\n"), source) : reader.result(source);
}

export function parseHostnamesList(text: string, source: string): ParsedHostnames {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new HostnamesError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { hostnames?: unknown }).hostnames;
  if (!Array.isArray(list)) throw new HostnamesError(`${source}: "hostnames" is not a list`);
  return parseHostnames(list);
}

/** One entry per address, with every name either list gives it. */
export function mergeHostnames(a: Hostname[], b: Hostname[]): Hostname[] {
  const byIp = new Map<string, Set<string>>();
  for (const h of [...a, ...b]) {
    const key = ipaddr.process(h.ip).toString();
    const names = byIp.get(key) ?? new Set<string>();
    byIp.set(key, names);
    for (const n of h.names) names.add(n);
  }
  return [...byIp].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([ip, names]) => ({ ip, names: [...names].sort() }));
}
