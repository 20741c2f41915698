// Rules of one workload's policy in one direction, from its resolved connections. Pure. A rule is one
// peer with the ports it was seen on, its evidence merged, and a stable id; DNS gets both protocols.
import { createHash } from "node:crypto";
import { describePeer, peerKey, workloadKey, workloadLabel } from "../model/keys.ts";
import type {
  Connection,
  Direction,
  Evidence,
  HttpSeen,
  Peer,
  PortProto,
  Protocol,
  Rule,
  SkipReason,
  Warning,
  WorkloadRef,
} from "../model/types.ts";
import { httpRules } from "./http.ts";

export function ruleId(target: WorkloadRef, direction: Direction, peer: Peer, ports: PortProto[]): string {
  const canon = JSON.stringify([workloadKey(target), direction, peerKey(peer), ports.map((p) => `${p.port}/${p.protocol}`)]);
  return `r-${createHash("sha256").update(canon).digest("hex").slice(0, 12)}`;
}

export function comparePorts(a: PortProto, b: PortProto): number {
  return a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0);
}

const KIND_ORDER: Record<Peer["kind"], number> = { workload: 0, namespace: 1, "any-pod": 2, apiserver: 3, node: 4, external: 5, fqdn: 6 };
export function comparePeers(a: Peer, b: Peer): number {
  const k = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (k !== 0) return k;
  const ka = peerKey(a);
  const kb = peerKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function mergeEvidence(into: Evidence, e: Evidence, pods: Set<string>): void {
  into.flows += e.flows;
  into.firstSeen = Math.min(into.firstSeen, e.firstSeen);
  into.lastSeen = Math.max(into.lastSeen, e.lastSeen);
  for (const p of e.pods) pods.add(p);
}

interface Draft {
  peer: Peer;
  ports: Map<string, PortProto>;
  evidence: Evidence;
  pods: Set<string>;
  /** Added by --allow-dns, not observed. */
  synthetic: boolean;
  /** L7 requests per port (port/protocol key), merged over the peer's connections. */
  http: Map<string, HttpSeen>;
}

const portKey = (p: PortProto) => `${p.port}/${p.protocol}`;

export interface RuleContext {
  target: WorkloadRef;
  /** The DNS peer every egress policy allows (--allow-dns), when the cluster DNS is known. */
  dns: { peer: Peer; ports: PortProto[] } | null;
  minFlows: number;
  skipped: Partial<Record<SkipReason, number>>;
  warnings: Warning[];
}

/** One draft per peer, ports and evidence merged; the DNS peer added for egress. */
function drafts(direction: Direction, list: Connection[], dns: RuleContext["dns"]): Map<string, Draft> {
  const out = new Map<string, Draft>();
  for (const c of list) {
    const peer = direction === "egress" ? c.dst : c.src;
    const k = peerKey(peer);
    let d = out.get(k);
    if (!d) {
      const evidence = { flows: 0, firstSeen: Infinity, lastSeen: -Infinity, pods: [] };
      d = { peer, ports: new Map(), evidence, pods: new Set(), synthetic: false, http: new Map() };
      out.set(k, d);
    }
    d.ports.set(portKey(c.port), c.port);
    mergeEvidence(d.evidence, c.evidence, d.pods);
    if (c.http) {
      const seen = d.http.get(portKey(c.port)) ?? new Map<string, number>();
      d.http.set(portKey(c.port), seen);
      for (const [k, n] of c.http) seen.set(k, (seen.get(k) ?? 0) + n);
    }
  }
  if (direction === "egress" && dns) {
    const k = peerKey(dns.peer);
    const d = out.get(k);
    if (d) for (const p of dns.ports) d.ports.set(portKey(p), p);
    else {
      const evidence = { flows: 0, firstSeen: 0, lastSeen: 0, pods: [] };
      out.set(k, {
        peer: dns.peer,
        ports: new Map(dns.ports.map((p) => [portKey(p), p])),
        evidence,
        pods: new Set(),
        synthetic: true,
        http: new Map(),
      });
    }
  }
  return out;
}

/** Path rules for the TCP ports requests were seen on (the L4 rule keeps its id); none without requests. */
function httpOf(id: string, byPort: Map<string, HttpSeen>): Rule["http"] {
  if (byPort.size === 0) return undefined;
  const out: NonNullable<Rule["http"]> = { rules: [], unexpressed: [] };
  for (const [key, seen] of [...byPort].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [port, protocol] = key.split("/");
    if (protocol !== "TCP") continue;
    const r = httpRules(id, Number(port), seen);
    if ("rules" in r) out.rules.push(...r.rules);
    else out.unexpressed.push(r.unexpressed);
  }
  return out.rules.length + out.unexpressed.length > 0 ? out : undefined;
}

export function buildRules(direction: Direction, list: Connection[], ctx: RuleContext): Rule[] {
  const rules: Rule[] = [];
  const dnsKey = ctx.dns ? peerKey(ctx.dns.peer) : null;
  for (const d of drafts(direction, list, ctx.dns).values()) {
    if (d.peer.kind === "workload" && d.peer.role === "dns") {
      // A lookup seen over one protocol needs the other too (TCP fallback for large answers).
      for (const p of [...d.ports.values()]) {
        const other: Protocol = p.protocol === "UDP" ? "TCP" : "UDP";
        if (p.protocol !== "SCTP" && p.port === 53) d.ports.set(`${p.port}/${other}`, { port: p.port, protocol: other });
      }
    }
    // --allow-dns promises DNS to every egress policy, however few lookups were seen.
    const keptForDns = direction === "egress" && dnsKey !== null && peerKey(d.peer) === dnsKey;
    if (!d.synthetic && !keptForDns && d.evidence.flows < ctx.minFlows) {
      ctx.skipped["below-min-flows"] = (ctx.skipped["below-min-flows"] ?? 0) + 1;
      ctx.warnings.push({
        code: "below-min-flows",
        workload: ctx.target,
        message: `${workloadLabel(ctx.target)}: ${direction} rule ${direction === "egress" ? "to" : "from"} ${describePeer(d.peer)} dropped: ${d.evidence.flows} connection(s) < --min-flows ${ctx.minFlows}`,
      });
      continue;
    }
    const ports = [...d.ports.values()].sort(comparePorts);
    d.evidence.pods = [...d.pods].sort();
    const id = ruleId(ctx.target, direction, d.peer, ports);
    const http = httpOf(id, d.http);
    rules.push({
      id,
      direction,
      peer: d.peer,
      ports,
      evidence: d.evidence,
      ...(d.synthetic ? { synthetic: "dns" as const } : {}),
      ...(http ? { http } : {}),
    });
  }
  return rules.sort((a, b) => comparePeers(a.peer, b.peer));
}
