// Widening on purpose: for each rule, the steps a reviewer may take beyond the evidence (a wider
// address range, more workloads, a port range), what each admits beyond what was observed, and the
// data's suggestions. Pure; the review shows the steps, a person picks one, and the decisions file
// records it, so nothing here widens anything by itself.

import { cidrWithin, commonPrefix, family, hostBits, isPublic, networkOf, prefixLength, sizeText } from "../model/cidr.ts";
import type { ClusterIndex } from "../model/cluster.ts";
import { portText, workloadKey } from "../model/keys.ts";
import type { Direction, NamespaceMember, Peer, PortProto, Rule, WorkloadPolicy } from "../model/types.ts";

/**
 * When the data suggests a wider rule: an ingress port reached from this many distinct public addresses
 * is internet-facing; egress to this many addresses of one /24 (/64) is a provider's churning range; a
 * namespace whose every workload (at least this many) is a client.
 */
export const SUGGEST = { internetFacing: 2, providerRange: 3, namespaceClients: 2 } as const;

export interface WidenStep {
  step: string;
  label: string;
  beyond: string[];
  /** The widened peer (absent: unchanged) and ports (absent: unchanged). */
  peer?: Peer;
  ports?: PortProto[];
  /** Other rules of the same policy and direction that this step admits. */
  covers: string[];
}

export interface RuleLadder {
  /** The rule's own ports: a widening records them, so that it can be replayed when the exact rule is gone. */
  exactPorts: PortProto[];
  /** The peer's steps, narrowest first (the exact rule is step 0, not listed). */
  peer: WidenStep[];
  ports: WidenStep | null;
  suggestion: { step: number; reason: string } | null;
}

/** Every port of `a` lies in one of `w` (ranges included). */
export function portsWithin(a: PortProto[], w: PortProto[]): boolean {
  return a.every((p) => w.some((x) => x.protocol === p.protocol && x.port <= p.port && (p.endPort ?? p.port) <= (x.endPort ?? x.port)));
}

const memberOf = (w: { kind: string; name: string; namespace: string }, list?: NamespaceMember[]) =>
  !list || list.some((m) => workloadKey(m.workload) === workloadKey(w as never));

/** Whether peer `b` admits everything peer `a` does. */
export function peerWithin(a: Peer, b: Peer): boolean {
  switch (b.kind) {
    case "external": {
      const cidrs = a.kind === "external" && !a.except ? [a.cidr] : a.kind === "fqdn" ? a.cidrs : [];
      if (cidrs.length === 0) return false;
      return cidrs.every((c) => family(c) === family(b.cidr) && cidrWithin(c, b.cidr) && !(b.except ?? []).some((x) => cidrWithin(c, x)));
    }
    case "namespace":
      if (a.kind === "workload") return a.workload.namespace === b.namespace && memberOf(a.workload, b.workloads);
      if (a.kind !== "namespace" || a.namespace !== b.namespace) return false;
      return !b.workloads || a.workloads?.every((m) => memberOf(m.workload, b.workloads)) === true;
    case "any-pod":
      return a.kind === "workload" || a.kind === "namespace" || a.kind === "any-pod";
    default:
      return false;
  }
}

/** Ranges the cluster's own addresses lie in (pods, nodes, Services): /16 for IPv4, /48 for IPv6. */
export function clusterRanges(index: ClusterIndex): string[] {
  const out = new Set<string>();
  for (const ip of [...index.podsByIp.keys(), ...index.nodesByIp.keys(), ...index.servicesByIp.keys()]) {
    const v6 = ip.includes(":");
    out.add(networkOf(`${ip}/${v6 ? 128 : 32}`, v6 ? 48 : 16));
  }
  return [...out].sort();
}

const others = (rules: Rule[], x: Rule, peer: Peer, ports: PortProto[]) =>
  rules.filter((r) => r.id !== x.id && !r.synthetic && peerWithin(r.peer, peer) && portsWithin(r.ports, ports)).map((r) => r.id);

function externalSteps(x: Rule & { peer: { kind: "external"; cidr: string } }, rules: Rule[], ranges: string[]): WidenStep[] {
  const f = family(x.peer.cidr);
  const own = prefixLength(x.peer.cidr);
  const observed = rules
    .filter((r) => r.peer.kind === "external" && !r.peer.except && family(r.peer.cidr) === f && portsWithin(r.ports, x.ports))
    .map((r) => (r.peer as { cidr: string }).cidr);
  const lens = new Set(f === 4 ? [24, 16] : [64, 48]);
  if (observed.length > 1) lens.add(prefixLength(commonPrefix(observed)));
  const steps: WidenStep[] = [];
  for (const len of [...lens].filter((l) => l < own).sort((a, b) => b - a)) {
    const cidr = networkOf(x.peer.cidr, len);
    const except = ranges.filter((r) => family(r) === f && cidrWithin(r, cidr) && !observed.some((o) => cidrWithin(o, r)));
    const peer: Peer = except.length ? { kind: "external", cidr, except } : { kind: "external", cidr };
    const inside = observed.filter((o) => cidrWithin(o, cidr)).length;
    const step = len === (f === 4 ? 24 : 64) || len === (f === 4 ? 16 : 48) ? `/${len}` : "prefix";
    steps.push({
      step,
      label: cidr,
      beyond: [
        `${sizeText(cidr)} addresses, ${inside} of them observed on these ports${step === "prefix" ? " (the smallest prefix holding them all)" : ""}`,
        ...(except.length ? [`except the cluster's own ${except.join(", ")}`] : []),
      ],
      peer,
      covers: others(rules, x, peer, x.ports),
    });
  }
  const any = f === 4 ? "0.0.0.0/0" : "::/0";
  // An observed address in a cluster range stays admitted: that range is not excluded.
  const except = ranges.filter((r) => family(r) === f && !observed.some((o) => cidrWithin(o, r)));
  const peer: Peer = except.length ? { kind: "external", cidr: any, except } : { kind: "external", cidr: any };
  steps.push({
    step: "internet",
    label: `any IPv${f} address outside the cluster`,
    beyond: [
      `every IPv${f} address (${observed.length} observed on these ports)${except.length ? `, except the cluster's own ${except.join(", ")}` : ""}`,
    ],
    peer,
    covers: others(rules, x, peer, x.ports),
  });
  return steps;
}

function workloadSteps(x: Rule & { peer: { kind: "workload" } }, rules: Rule[], index: ClusterIndex): WidenStep[] {
  const v = x.peer.workload;
  const pods = index.liveByNamespace.get(v.namespace) ?? [];
  const members = new Map<string, NamespaceMember>();
  const unusable = new Set<string>();
  for (const p of pods) {
    const k = workloadKey(p.workload);
    if (p.selector === null) unusable.add(`${p.workload.kind.toLowerCase()}/${p.workload.name}`);
    else if (!members.has(k)) members.set(k, { workload: p.workload, selector: p.selector, ...(p.absent ? { absent: p.absent } : {}) });
  }
  const mine = pods.filter((p) => workloadKey(p.workload) === workloadKey(v)).length;
  const list = [...members.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, m]) => m);
  const steps: WidenStep[] = [];
  const add = (step: string, label: string, peer: Peer, beyond: string[]) =>
    steps.push({ step, label, peer, beyond, covers: others(rules, x, peer, x.ports) });
  const rest = list.filter((m) => workloadKey(m.workload) !== workloadKey(v));
  if (rest.length > 0)
    add(
      "namespace-workloads",
      `every workload of namespace ${v.namespace} (${list.length})`,
      { kind: "namespace", namespace: v.namespace, workloads: list },
      [
        `workloads beyond ${v.kind.toLowerCase()}/${v.name}: ${rest.map((m) => `${m.workload.kind.toLowerCase()}/${m.workload.name}`).join(", ")}`,
        `${pods.length - mine} pod(s) of them now`,
        ...(unusable.size ? [`not included (no usable labels): ${[...unusable].sort().join(", ")}`] : []),
      ],
    );
  add("namespace", `every pod of namespace ${v.namespace}`, { kind: "namespace", namespace: v.namespace }, [
    `${pods.length - mine} pod(s) beyond the observed workload now, and every pod started there later`,
  ]);
  const all = [...index.liveByNamespace.values()].reduce((n, l) => n + l.length, 0);
  add("any-namespace", "every pod of every namespace", { kind: "any-pod" }, [
    `${all - mine} pod(s) in ${index.liveByNamespace.size} namespace(s) now, and every pod started later`,
  ]);
  return steps;
}

/** Ports → the range they span, per protocol with two or more ports. */
function portStep(x: Rule): WidenStep | null {
  const byProto = new Map<string, PortProto[]>();
  for (const p of x.ports) byProto.set(p.protocol, [...(byProto.get(p.protocol) ?? []), p]);
  const ports: PortProto[] = [];
  let extra = 0;
  for (const list of byProto.values()) {
    if (list.length < 2 || list.some((p) => p.endPort)) {
      ports.push(...list);
      continue;
    }
    const lo = Math.min(...list.map((p) => p.port));
    const hi = Math.max(...list.map((p) => p.port));
    ports.push({ port: lo, endPort: hi, protocol: (list[0] as PortProto).protocol });
    extra += hi - lo + 1 - list.length;
  }
  if (extra === 0) return null;
  return {
    step: "port-range",
    label: ports.map(portText).join(", "),
    beyond: [`${extra} port(s) beyond the ${x.ports.length} observed`, "(a NetworkPolicy port range, endPort, needs Kubernetes 1.25+)"],
    ports,
    covers: [],
  };
}

function suggestion(x: Rule, steps: WidenStep[], rules: Rule[], index: ClusterIndex, direction: Direction): RuleLadder["suggestion"] {
  const at = (name: string) => steps.findIndex((s) => s.step === name) + 1;
  const p = x.peer;
  if (p.kind === "external" && !p.except) {
    const ext = rules.filter((r) => r.peer.kind === "external" && !r.peer.except && family(r.peer.cidr) === family(p.cidr));
    if (direction === "ingress" && isPublic(p.cidr)) {
      for (const port of x.ports) {
        const n = ext.filter(
          (r) => isPublic((r.peer as { cidr: string }).cidr) && r.ports.some((q) => q.port === port.port && q.protocol === port.protocol),
        ).length;
        if (n >= SUGGEST.internetFacing && at("internet"))
          return {
            step: at("internet"),
            reason: `${n} distinct public addresses reached port ${portText(port)}: it looks internet-facing`,
          };
      }
    }
    const net = family(p.cidr) === 4 ? 24 : 64;
    const wide = networkOf(p.cidr, net);
    const n = ext.filter((r) => cidrWithin((r.peer as { cidr: string }).cidr, wide)).length;
    if (direction === "egress" && n >= SUGGEST.providerRange && at(`/${net}`))
      return { step: at(`/${net}`), reason: `${n} addresses of ${wide} were reached: one provider's range, whose addresses churn` };
  }
  if (p.kind === "workload" && direction === "ingress") {
    const ns = p.workload.namespace;
    const members = new Set((index.liveByNamespace.get(ns) ?? []).filter((q) => q.selector !== null).map((q) => workloadKey(q.workload)));
    const clients = new Set(
      rules.flatMap((r) => (r.peer.kind === "workload" && r.peer.workload.namespace === ns ? [workloadKey(r.peer.workload)] : [])),
    );
    if (members.size >= SUGGEST.namespaceClients && [...members].every((m) => clients.has(m)) && at("namespace"))
      return { step: at("namespace"), reason: `every workload of namespace ${ns} (${members.size}) is a client` };
  }
  return null;
}

/** The ladders of every rule of these policies, by rule id. */
export function ladders(policies: WorkloadPolicy[], index: ClusterIndex): Map<string, RuleLadder> {
  const ranges = clusterRanges(index);
  const out = new Map<string, RuleLadder>();
  for (const pol of policies)
    for (const [direction, rules] of [
      ["ingress", pol.ingress],
      ["egress", pol.egress],
    ] as const)
      for (const x of rules) {
        if (x.synthetic) continue;
        const p = x.peer;
        const steps =
          p.kind === "external" && !p.except && prefixLength(p.cidr) === hostBits(family(p.cidr))
            ? externalSteps(x as never, rules, ranges)
            : p.kind === "workload" && p.role !== "dns"
              ? workloadSteps(x as never, rules, index)
              : [];
        out.set(x.id, { exactPorts: x.ports, peer: steps, ports: portStep(x), suggestion: suggestion(x, steps, rules, index, direction) });
      }
  return out;
}
