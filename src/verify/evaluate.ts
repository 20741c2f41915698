// Evaluates connections against a set of NetworkPolicies with Kubernetes semantics: a pod is isolated
// in a direction when a policy of its namespace selects it for that policyType, and then needs a rule
// whose peers (namespaceSelector AND podSelector in one entry; entries OR'ed; ipBlock with except)
// and ports (number, name, endPort, protocol) match. Pure.

import ipaddr from "ipaddr.js";
import { type SelectorLike, selectorMatches } from "../model/selector.ts";
import type { ContainerPort, HttpRequest, Labels } from "../model/types.ts";
import { type CiliumToPorts, toPortsAdmit } from "./cilium-ports.ts";

type LabelSelector = SelectorLike;
interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}
/** The fields of networking.k8s.io/v1 NetworkPolicy that decide traffic. */
export interface NetworkPolicyLike {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
    egress?: { to?: PolicyPeer[]; ports?: PolicyPort[] }[];
  };
}

export interface Endpoint {
  ip: string;
  /** Absent for addresses outside the cluster (and nodes). */
  pod?: { namespace: string; labels: Labels; ports?: ContainerPort[] };
  /** What Cilium sees an address that is not a pod as. */
  entity?: "kube-apiserver" | "node" | "world";
  /** DNS names the address was looked up by (Cilium toFQDNs). */
  names?: string[];
}

/** The fields of cilium.io/v2 CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy that decide traffic. */
interface CiliumRule {
  toEndpoints?: LabelSelector[];
  fromEndpoints?: LabelSelector[];
  toEntities?: string[];
  fromEntities?: string[];
  toCIDR?: string[];
  fromCIDR?: string[];
  toCIDRSet?: { cidr?: string; except?: string[] }[];
  fromCIDRSet?: { cidr?: string; except?: string[] }[];
  toFQDNs?: { matchName?: string; matchPattern?: string }[];
  toPorts?: CiliumToPorts[];
}
export interface CiliumPolicyLike {
  kind: "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy";
  metadata?: { name?: string; namespace?: string };
  spec?: {
    endpointSelector?: LabelSelector;
    enableDefaultDeny?: { ingress?: boolean; egress?: boolean };
    ingress?: CiliumRule[];
    egress?: CiliumRule[];
  };
}

const NS_KEY = "io.kubernetes.pod.namespace";
/** Cilium label keys carry a source prefix (k8s:, any:); pods' labels are k8s labels. */
function ciliumSelector(sel: LabelSelector | undefined): LabelSelector {
  const strip = (k: string) => k.replace(/^(k8s|any):/, "");
  return {
    ...(sel?.matchLabels ? { matchLabels: Object.fromEntries(Object.entries(sel.matchLabels).map(([k, v]) => [strip(k), v])) } : {}),
    ...(sel?.matchExpressions ? { matchExpressions: sel.matchExpressions.map((e) => ({ ...e, key: strip(e.key) })) } : {}),
  };
}
const names = (sel: LabelSelector, key: string) =>
  sel.matchLabels?.[key] !== undefined || (sel.matchExpressions ?? []).some((e) => e.key === key);

/** Cilium's FQDN matching: names are case-insensitive with an optional final dot; in a pattern, a lone
 * "*" matches every name and any other "*" matches within one label. */
export function fqdnMatches(sel: { matchName?: string; matchPattern?: string }, name: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, "");
  const n = norm(name);
  if (sel.matchName !== undefined) return norm(sel.matchName) === n;
  if (sel.matchPattern === undefined) return false;
  const pat = norm(sel.matchPattern);
  if (pat === "*") return true;
  const re = pat.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[-a-z0-9_]*");
  return new RegExp(`^${re}$`).test(n);
}

export interface Verdict {
  allowed: boolean;
  /** Which side refused and the policies that isolate it there. */
  deniedBy?: { side: "egress" | "ingress"; policies: string[] };
  /**
   * Denied only for want of a name: a toFQDNs rule would decide, but the data names no host for the
   * address (Cilium learns names from DNS answers; the broker records addresses only).
   */
  nameUnknown?: boolean;
}

const cidrs = new Map<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | null>();
function contains(cidr: string, ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  let c = cidrs.get(cidr);
  if (c === undefined) {
    try {
      c = ipaddr.parseCIDR(cidr);
    } catch {
      c = null;
    }
    cidrs.set(cidr, c);
  }
  return c !== null && c[0].kind() === ip.kind() && ip.match(c);
}

const scope = (c: CiliumPolicyLike) => (c.kind === "CiliumNetworkPolicy" ? (c.metadata?.namespace ?? "default") : null);

export class PolicyEvaluator {
  private readonly byNs = new Map<string, NetworkPolicyLike[]>();
  private readonly cilium: CiliumPolicyLike[] = [];
  private readonly nsLabels: (ns: string) => Labels;

  constructor(policies: (NetworkPolicyLike | CiliumPolicyLike)[], nsLabels: (ns: string) => Labels) {
    this.nsLabels = nsLabels;
    for (const p of policies) {
      const kind = (p as { kind?: string }).kind;
      if (kind === "CiliumNetworkPolicy" || kind === "CiliumClusterwideNetworkPolicy") {
        this.cilium.push(p as CiliumPolicyLike);
        continue;
      }
      const ns = p.metadata?.namespace ?? "default";
      this.byNs.set(ns, [...(this.byNs.get(ns) ?? []), p as NetworkPolicyLike]);
    }
  }

  /** Cilium selectors see only the policy's namespace (namespaced policies) unless they name one. */
  private static ciliumSelects(sel: LabelSelector | undefined, pod: NonNullable<Endpoint["pod"]>, scopeNs: string | null): boolean {
    const s = ciliumSelector(sel);
    if (scopeNs !== null && !names(s, NS_KEY) && pod.namespace !== scopeNs) return false;
    return selectorMatches(s, { ...pod.labels, [NS_KEY]: pod.namespace });
  }

  private static ciliumL3(
    r: CiliumRule,
    dir: "egress" | "ingress",
    other: Endpoint,
    ip: ipaddr.IPv4 | ipaddr.IPv6 | null,
    scopeNs: string | null,
  ): boolean {
    const eps = dir === "egress" ? r.toEndpoints : r.fromEndpoints;
    const ents = dir === "egress" ? r.toEntities : r.fromEntities;
    const plain = (dir === "egress" ? r.toCIDR : r.fromCIDR) ?? [];
    const cidrs = [...plain.map((cidr) => ({ cidr, except: [] as string[] })), ...((dir === "egress" ? r.toCIDRSet : r.fromCIDRSet) ?? [])];
    const fqdns = dir === "egress" ? r.toFQDNs : undefined;
    // No L3 part: with ports, an L4-only rule for every peer; without, the deny-all rule {}.
    if (!eps && !ents && cidrs.length === 0 && !fqdns) return (r.toPorts?.length ?? 0) > 0;
    const pod = other.pod;
    if (eps && pod && eps.some((sel) => PolicyEvaluator.ciliumSelects(sel, pod, scopeNs))) return true;
    const kind = pod ? "pod" : (other.entity ?? "world");
    const entity = (e: string) =>
      e === "all" ||
      (e === "cluster" && kind !== "world") ||
      (e === "world" && kind === "world") ||
      (e === "kube-apiserver" && kind === "kube-apiserver") ||
      ((e === "host" || e === "remote-node") && kind === "node");
    if (ents?.some(entity)) return true;
    // Names select the world addresses Cilium's DNS proxy saw them resolve to.
    if (kind === "world" && fqdns?.some((f) => (other.names ?? []).some((n) => fqdnMatches(f, n)))) return true;
    // CIDR rules select addresses outside the cluster's identities.
    return (
      kind === "world" &&
      ip !== null &&
      cidrs.some((c) => c.cidr !== undefined && contains(c.cidr, ip) && !(c.except ?? []).some((x) => contains(x, ip)))
    );
  }

  private static types(p: NetworkPolicyLike): string[] {
    return p.spec?.policyTypes?.length ? p.spec.policyTypes : p.spec?.egress ? ["Ingress", "Egress"] : ["Ingress"];
  }

  private peerMatches(peer: PolicyPeer, policyNs: string, ep: Endpoint, ip: ipaddr.IPv4 | ipaddr.IPv6 | null): boolean {
    if (peer.ipBlock) {
      if (!ip || !contains(peer.ipBlock.cidr, ip)) return false;
      return !(peer.ipBlock.except ?? []).some((c) => contains(c, ip));
    }
    if (!ep.pod) return false;
    const nsOk = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, this.nsLabels(ep.pod.namespace))
      : ep.pod.namespace === policyNs;
    return nsOk && selectorMatches(peer.podSelector, ep.pod.labels);
  }

  private static portMatches(ports: PolicyPort[] | undefined, port: number, protocol: string, target: Endpoint): boolean {
    if (!ports?.length) return true;
    return ports.some((p) => {
      if ((p.protocol ?? "TCP") !== protocol) return false;
      if (p.port === undefined) return true;
      const n = typeof p.port === "number" ? p.port : target.pod?.ports?.find((c) => c.name === p.port && c.protocol === protocol)?.port;
      if (n === undefined) return false;
      return p.endPort ? port >= n && port <= p.endPort : port === n;
    });
  }

  // Which policies select a pod, per labels object and namespace: a replay asks for the same pods again and again.
  private readonly selecting = new WeakMap<Labels, Map<string, { isolating: NetworkPolicyLike[]; ciliumApplying: CiliumPolicyLike[] }>>();

  private applying(pod: NonNullable<Endpoint["pod"]>, type: "Egress" | "Ingress") {
    let byKey = this.selecting.get(pod.labels);
    if (!byKey) {
      byKey = new Map();
      this.selecting.set(pod.labels, byKey);
    }
    const k = `${type}|${pod.namespace}`;
    let hit = byKey.get(k);
    if (!hit) {
      hit = {
        isolating: (this.byNs.get(pod.namespace) ?? []).filter(
          (p) => PolicyEvaluator.types(p).includes(type) && selectorMatches(p.spec?.podSelector ?? {}, pod.labels),
        ),
        ciliumApplying: this.cilium.filter(
          (c) =>
            (c.kind !== "CiliumNetworkPolicy" || (c.metadata?.namespace ?? "default") === pod.namespace) &&
            PolicyEvaluator.ciliumSelects(c.spec?.endpointSelector, pod, scope(c)),
        ),
      };
      byKey.set(k, hit);
    }
    return hit;
  }

  /** One side: allowed when no policy isolates the pod, or one of the isolating policies has a matching rule. */
  private side(
    dir: "egress" | "ingress",
    self: Endpoint,
    other: Endpoint,
    port: number,
    protocol: string,
    target: Endpoint,
    request?: HttpRequest,
  ): Verdict {
    if (!self.pod) return { allowed: true };
    const pod = self.pod;
    const type = dir === "egress" ? "Egress" : "Ingress";
    const { isolating, ciliumApplying } = this.applying(pod, type);
    const ciliumIsolating = ciliumApplying.filter((c) => c.spec?.enableDefaultDeny?.[dir] ?? (c.spec?.[dir]?.length ?? 0) > 0);
    if (isolating.length === 0 && ciliumIsolating.length === 0) return { allowed: true };
    let ip: ipaddr.IPv4 | ipaddr.IPv6 | null = null;
    try {
      ip = ipaddr.process(other.ip);
    } catch {
      ip = null;
    }
    for (const p of isolating) {
      const ns = p.metadata?.namespace ?? "default";
      const rules =
        dir === "egress"
          ? (p.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))
          : (p.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }));
      for (const r of rules) {
        const peerOk = !r.peers?.length || r.peers.some((peer) => this.peerMatches(peer, ns, other, ip));
        if (peerOk && PolicyEvaluator.portMatches(r.ports, port, protocol, target)) return { allowed: true };
      }
    }
    // Cilium: a rule of any policy selecting the endpoint allows, whether that policy isolates or not.
    let nameUnknown = false;
    for (const c of ciliumApplying) {
      for (const r of c.spec?.[dir] ?? []) {
        if (!toPortsAdmit(r.toPorts, port, protocol, target.pod?.ports, request)) continue;
        if (PolicyEvaluator.ciliumL3(r, dir, other, ip, scope(c))) return { allowed: true };
        if (dir === "egress" && r.toFQDNs?.length && !other.pod && (other.entity ?? "world") === "world" && !other.names?.length)
          nameUnknown = true;
      }
    }
    const by = [
      ...isolating.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      ...ciliumIsolating.map((c) =>
        c.kind === "CiliumNetworkPolicy" ? `${c.metadata?.namespace}/${c.metadata?.name}` : `(clusterwide) ${c.metadata?.name}`,
      ),
    ];
    return { allowed: false, deniedBy: { side: dir, policies: by.sort() }, ...(nameUnknown ? { nameUnknown } : {}) };
  }

  /** `request`: an HTTP request on the connection, judged by the HTTP rules under the ports too. */
  check(src: Endpoint, dst: Endpoint, port: number, protocol: string, request?: HttpRequest): Verdict {
    const out = this.side("egress", src, dst, port, protocol, dst, request);
    if (!out.allowed) return out;
    return this.side("ingress", dst, src, port, protocol, dst, request);
  }
}
