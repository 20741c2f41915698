// Evaluates connections against a set of NetworkPolicies with Kubernetes semantics: a pod is isolated
// in a direction when a policy of its namespace selects it for that policyType, and then needs a rule
// whose peers (namespaceSelector AND podSelector in one entry; entries OR'ed; ipBlock with except)
// and ports (number, name, endPort, protocol) match. Pure.
import ipaddr from "ipaddr.js";
import type { ContainerPort, Labels } from "../model/types.ts";

interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
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
}

export interface Verdict {
  allowed: boolean;
  /** Which side refused and the policies that isolate it there. */
  deniedBy?: { side: "egress" | "ingress"; policies: string[] };
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Labels): boolean {
  if (!sel) return true;
  if (sel.matchLabels) for (const k in sel.matchLabels) if (labels[k] !== sel.matchLabels[k]) return false;
  for (const e of sel.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, e.key);
    const inValues = present && (e.values ?? []).includes(labels[e.key] as string);
    const ok =
      e.operator === "In"
        ? inValues
        : e.operator === "NotIn"
          ? !inValues
          : e.operator === "Exists"
            ? present
            : e.operator === "DoesNotExist"
              ? !present
              : false;
    if (!ok) return false;
  }
  return true;
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

export class PolicyEvaluator {
  private readonly byNs = new Map<string, NetworkPolicyLike[]>();
  private readonly nsLabels: (ns: string) => Labels;

  constructor(policies: NetworkPolicyLike[], nsLabels: (ns: string) => Labels) {
    this.nsLabels = nsLabels;
    for (const p of policies) {
      const ns = p.metadata?.namespace ?? "default";
      this.byNs.set(ns, [...(this.byNs.get(ns) ?? []), p]);
    }
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

  /** One side: allowed when no policy isolates the pod, or one of the isolating policies has a matching rule. */
  private side(dir: "egress" | "ingress", self: Endpoint, other: Endpoint, port: number, protocol: string, target: Endpoint): Verdict {
    if (!self.pod) return { allowed: true };
    const pod = self.pod;
    const type = dir === "egress" ? "Egress" : "Ingress";
    const isolating = (this.byNs.get(pod.namespace) ?? []).filter(
      (p) => PolicyEvaluator.types(p).includes(type) && selectorMatches(p.spec?.podSelector ?? {}, pod.labels),
    );
    if (isolating.length === 0) return { allowed: true };
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
    return {
      allowed: false,
      deniedBy: { side: dir, policies: isolating.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort() },
    };
  }

  check(src: Endpoint, dst: Endpoint, port: number, protocol: string): Verdict {
    const out = this.side("egress", src, dst, port, protocol, dst);
    if (!out.allowed) return out;
    return this.side("ingress", dst, src, port, protocol, dst);
  }
}
