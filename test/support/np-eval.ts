// An evaluator of NetworkPolicy semantics written for the tests, independent of the generator:
// a pod is isolated in a direction when some policy selects it with that policyType; then a
// connection needs a rule on that side whose peers and ports match.
import ipaddr from "ipaddr.js";

export type Labels = Record<string, string>;
export interface Endpoint {
  /** Absent for an address outside the cluster. */
  pod?: { namespace: string; labels: Labels; ports?: { name?: string | undefined; port: number; protocol: string }[] };
  ip: string;
}
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Port {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}
export interface NetworkPolicyObject {
  metadata: { namespace: string; name?: string };
  spec: {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: { from?: Peer[]; ports?: Port[] }[];
    egress?: { to?: Peer[]; ports?: Port[] }[];
  };
}

export function selects(sel: Selector | undefined, labels: Labels): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = k(labels, e.key);
    const val = labels[e.key];
    if (e.operator === "In" && !(has && e.values?.includes(val as string))) return false;
    if (e.operator === "NotIn" && has && e.values?.includes(val as string)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
const k = (l: Labels, key: string) => Object.hasOwn(l, key);

function inCidr(ip: string, cidr: string): boolean {
  const addr = ipaddr.parse(ip);
  const [net, bits] = ipaddr.parseCIDR(cidr);
  return addr.kind() === net.kind() && addr.match([net, bits]);
}

function peerMatches(peer: Peer, policyNs: string, ep: Endpoint, nsLabels: (ns: string) => Labels): boolean {
  if (peer.ipBlock) {
    if (!inCidr(ep.ip, peer.ipBlock.cidr)) return false;
    return !(peer.ipBlock.except ?? []).some((c) => inCidr(ep.ip, c));
  }
  if (!ep.pod) return false;
  // namespaceSelector absent: the policy's namespace; present: namespaces it selects. podSelector absent: all pods.
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels(ep.pod.namespace)) : ep.pod.namespace === policyNs;
  return nsOk && selects(peer.podSelector, ep.pod.labels);
}

function portMatches(ports: Port[] | undefined, port: number, protocol: string, target: Endpoint): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    const n = typeof p.port === "number" ? p.port : target.pod?.ports?.find((c) => c.name === p.port && c.protocol === protocol)?.port;
    if (n === undefined) return false;
    return p.endPort ? port >= n && port <= p.endPort : port === n;
  });
}

const types = (p: NetworkPolicyObject) => p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);

/** Whether src may open a connection to dst on port/protocol under the given policies. */
export function allowed(
  policies: NetworkPolicyObject[],
  nsLabels: (ns: string) => Labels,
  src: Endpoint,
  dst: Endpoint,
  port: number,
  protocol: string,
): boolean {
  const egressOk = (() => {
    if (!src.pod) return true;
    const sp = src.pod;
    const apply = policies.filter(
      (p) => p.metadata.namespace === sp.namespace && types(p).includes("Egress") && selects(p.spec.podSelector, sp.labels),
    );
    if (apply.length === 0) return true;
    return apply.some((p) =>
      (p.spec.egress ?? []).some(
        (r) =>
          (r.to === undefined || r.to.length === 0 || r.to.some((peer) => peerMatches(peer, p.metadata.namespace, dst, nsLabels))) &&
          portMatches(r.ports, port, protocol, dst),
      ),
    );
  })();
  const ingressOk = (() => {
    if (!dst.pod) return true;
    const dp = dst.pod;
    const apply = policies.filter(
      (p) => p.metadata.namespace === dp.namespace && types(p).includes("Ingress") && selects(p.spec.podSelector, dp.labels),
    );
    if (apply.length === 0) return true;
    return apply.some((p) =>
      (p.spec.ingress ?? []).some(
        (r) =>
          (r.from === undefined || r.from.length === 0 || r.from.some((peer) => peerMatches(peer, p.metadata.namespace, src, nsLabels))) &&
          portMatches(r.ports, port, protocol, dst),
      ),
    );
  })();
  return egressOk && ingressOk;
}
