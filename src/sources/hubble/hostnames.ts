// Names external addresses were looked up by: a snapshot's hostnames section, or a --hostnames file
// (the same list, or Hubble's DNS flows from `hubble observe --protocol dns -o json`). Pure.
import ipaddr from "ipaddr.js";
import * as z from "zod/mini";
import type { Hostname } from "../../model/types.ts";

// A DNS name as Cilium's matchName takes it: labels of letters, digits, "-" and "_", at most 253 characters.
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const podName = z.string().check(z.minLength(1), z.maxLength(253));
const PodRef = z.object({ namespace: podName, name: podName });
const HostnameWire = z.object({ ip: z.string(), names: z.array(z.string()).check(z.minLength(1)), pod: z.optional(PodRef) });
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
    items.push({ ip: r.data.ip.trim(), names: [...new Set(names)].sort(), ...(r.data.pod ? { pod: r.data.pod } : {}) });
  }
  return { items, malformed };
}

// The parts of a Hubble flow that name addresses: a DNS answer's query and the addresses it returned,
// and the client that asked (the end that is not on port 53).
const L7 = z.object({ dns: z.optional(z.object({ query: z.string(), ips: z.optional(z.array(z.string())) })) });
const HubbleEndpoint = z.catch(z.optional(z.object({ namespace: z.optional(z.string()), pod_name: z.optional(z.string()) })), undefined);
const Ports = z.object({ source_port: z.optional(z.number()), destination_port: z.optional(z.number()) });
const HubbleFlow = z.object({
  l7: z.optional(L7),
  source: HubbleEndpoint,
  destination: HubbleEndpoint,
  is_reply: z.catch(z.optional(z.boolean()), undefined),
  l4: z.catch(z.optional(z.object({ UDP: z.optional(Ports), TCP: z.optional(Ports) })), undefined),
});
// `hubble observe -o json` wraps each flow in {"flow": …}; a bare flow is accepted too.
const HubbleLine = z.union([z.object({ flow: HubbleFlow }), HubbleFlow]);

/** The pod that asked: the end not on port 53, else the destination of a reply, else the source. */
function clientOf(f: z.infer<typeof HubbleFlow>): { namespace: string; name: string } | undefined {
  const ports = f.l4?.UDP ?? f.l4?.TCP;
  const ep = ports?.source_port === 53 ? f.destination : ports?.destination_port === 53 ? f.source : f.is_reply ? f.destination : f.source;
  return ep?.namespace && ep.pod_name ? { namespace: ep.namespace, name: ep.pod_name } : undefined;
}

export class HostnamesError extends Error {}

/** A first line that starts a list: a JSON list of {ip, names}, or {"hostnames": [...]} as in a snapshot
 * (pretty-printed, a lone "{": a Hubble flow is never split over lines). */
function startsList(line: string): boolean {
  const t = line.trim();
  return t.startsWith("[") || t === "{" || /^\{\s*"hostnames"/.test(t);
}

/**
 * Hubble flows as JSON lines, one at a time (a capture can be large): DNS answers with addresses name
 * them; other flows are skipped unparsed once the input has proved to be JSON; bad lines are counted.
 */
export class HubbleDnsReader {
  private readonly byKey = new Map<string, Hostname>();
  private lines = 0;
  private json = 0;
  private malformed = 0;

  add(line: string): void {
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
    const r = HubbleLine.safeParse(doc);
    if (!r.success) return;
    const flow = "flow" in r.data ? r.data.flow : r.data;
    const dns = flow.l7?.dns;
    if (!dns) return;
    const name = normalise(dns.query);
    const pod = clientOf(flow);
    // Queries and answers without addresses (NXDOMAIN, no AAAA) name nothing.
    for (const raw of dns.ips ?? []) {
      const ip = raw.trim();
      if (!ipaddr.isValid(ip) || !DNS_NAME.test(name)) {
        this.malformed++;
        continue;
      }
      const h = { ip: ipaddr.process(ip).toString(), names: [name], ...(pod ? { pod } : {}) };
      const key = hostnameKey(h);
      const seen = this.byKey.get(key);
      if (!seen) this.byKey.set(key, h);
      else if (!seen.names.includes(name)) seen.names.push(name);
    }
  }

  result(source: string): ParsedHostnames {
    if (this.lines > 0 && this.json === 0)
      throw new HostnamesError(`${source} is neither a JSON list of {ip, names} nor JSON lines of Hubble flows`);
    return { items: mergeHostnames([...this.byKey.values()], []), malformed: this.malformed };
  }
}

/**
 * A --hostnames input line by line (a file or stdin): a list is gathered and parsed whole, Hubble's
 * flows one at a time.
 */
export async function readHostnameLines(lines: AsyncIterable<string> | Iterable<string>, source: string): Promise<ParsedHostnames> {
  const reader = new HubbleDnsReader();
  let list: string[] | null = null;
  let first = true;
  for await (const raw of lines) {
    const line = first ? raw.replace(/^\uFEFF/, "") : raw;
    if (first && line.trim()) {
      first = false;
      if (startsList(line)) list = [];
    }
    if (list) list.push(line);
    else reader.add(line);
  }
  return list ? parseHostnamesList(list.join("\n"), source) : reader.result(source);
}

function parseHostnamesList(text: string, source: string): ParsedHostnames {
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

const hostnameKey = (h: Hostname) => `${h.ip}|${h.pod ? `${h.pod.namespace}/${h.pod.name}` : ""}`;

/** One entry per address (and asking pod), with every name either list gives it; sorted. */
export function mergeHostnames(a: Hostname[], b: Hostname[]): Hostname[] {
  const byKey = new Map<string, { h: Hostname; names: Set<string> }>();
  for (const h of [...a, ...b]) {
    const canonical = { ...h, ip: ipaddr.process(h.ip).toString() };
    const key = hostnameKey(canonical);
    const e = byKey.get(key) ?? { h: canonical, names: new Set<string>() };
    byKey.set(key, e);
    for (const n of h.names) e.names.add(n);
  }
  return [...byKey].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, { h, names }]) => ({ ...h, names: [...names].sort() }));
}
