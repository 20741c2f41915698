// An evaluator of CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy semantics written for the tests:
// identities from pod labels plus the namespace label, namespaced policies scoped to their namespace,
// entities for the API server and nodes, CIDR and FQDN (exact names) only for the world, default deny per
// enableDefaultDeny.
import ipaddr from "ipaddr.js";

export type Labels = Record<string, string>;
export type CEndpoint =
  | { kind: "pod"; namespace: string; labels: Labels }
  | { kind: "node"; ip: string }
  | { kind: "apiserver"; ip: string }
  | { kind: "world"; ip: string; names?: string[] };

interface Sel {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface CRule {
  toEndpoints?: Sel[];
  fromEndpoints?: Sel[];
  toEntities?: string[];
  fromEntities?: string[];
  toCIDR?: string[];
  fromCIDR?: string[];
  toFQDNs?: { matchName?: string }[];
  toPorts?: { ports?: { port: string; protocol?: string }[] }[];
}
export interface CiliumObject {
  kind: "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy";
  metadata: { namespace?: string };
  spec: { endpointSelector: Sel; enableDefaultDeny?: { ingress?: boolean; egress?: boolean }; ingress?: CRule[]; egress?: CRule[] };
}

const NS = "io.kubernetes.pod.namespace";
const strip = (k: string) => k.replace(/^(k8s|any):/, "");
const identity = (e: CEndpoint): Labels | null => (e.kind === "pod" ? { ...e.labels, [NS]: e.namespace } : null);

function selMatches(sel: Sel, labels: Labels, scopeNs: string | null): boolean {
  const want = Object.fromEntries(Object.entries(sel.matchLabels ?? {}).map(([k, v]) => [strip(k), v]));
  const exprs = (sel.matchExpressions ?? []).map((e) => ({ ...e, key: strip(e.key) }));
  // A namespaced policy's selectors see only its namespace unless they name one.
  if (scopeNs !== null && want[NS] === undefined && !exprs.some((e) => e.key === NS) && labels[NS] !== scopeNs) return false;
  const holds = (e: (typeof exprs)[number]) => {
    const has = e.key in labels;
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    const isIn = has && (e.values ?? []).includes(labels[e.key] as string);
    return e.operator === "In" ? isIn : e.operator === "NotIn" ? !isIn : false;
  };
  return Object.entries(want).every(([k, v]) => labels[k] === v) && exprs.every(holds);
}

function l3(rule: CRule, dir: "ingress" | "egress", peer: CEndpoint, scopeNs: string | null): boolean {
  const eps = dir === "egress" ? rule.toEndpoints : rule.fromEndpoints;
  const ents = dir === "egress" ? rule.toEntities : rule.fromEntities;
  const cidrs = dir === "egress" ? rule.toCIDR : rule.fromCIDR;
  const fqdns = dir === "egress" ? rule.toFQDNs : undefined;
  // No L3 part: with ports it is an L4-only rule for every peer; without, the deny-all rule {}.
  if (!eps && !ents && !cidrs && !fqdns) return (rule.toPorts?.length ?? 0) > 0;
  if (fqdns && peer.kind === "world" && fqdns.some((f) => f.matchName !== undefined && peer.names?.includes(f.matchName))) return true;
  const id = identity(peer);
  if (eps && id && eps.some((s) => selMatches(s, id, scopeNs))) return true;
  if (
    ents?.some(
      (e) =>
        e === "all" ||
        (e === "kube-apiserver" && peer.kind === "apiserver") ||
        ((e === "host" || e === "remote-node") && peer.kind === "node") ||
        (e === "world" && peer.kind === "world") ||
        (e === "cluster" && peer.kind !== "world"),
    )
  )
    return true;
  if (cidrs && peer.kind === "world") {
    const ip = ipaddr.process(peer.ip);
    if (
      cidrs.some((c) => {
        const [net, bits] = ipaddr.parseCIDR(c);
        return net.kind() === ip.kind() && ip.match([net, bits]);
      })
    )
      return true;
  }
  return false;
}

const l4 = (rule: CRule, port: number, protocol: string) =>
  !rule.toPorts?.length ||
  rule.toPorts.some(
    (tp) =>
      !tp.ports?.length ||
      tp.ports.some((p) => Number(p.port) === port && (p.protocol ?? "ANY") !== "" && (p.protocol === "ANY" || p.protocol === protocol)),
  );

function sideAllows(
  policies: CiliumObject[],
  dir: "ingress" | "egress",
  self: CEndpoint,
  other: CEndpoint,
  port: number,
  protocol: string,
): boolean {
  const id = identity(self);
  if (!id) return true; // not an endpoint Cilium enforces on
  const applying = policies.filter((p) =>
    p.kind === "CiliumNetworkPolicy"
      ? p.metadata.namespace === id[NS] && selMatches(p.spec.endpointSelector, id, p.metadata.namespace ?? null)
      : selMatches(p.spec.endpointSelector, id, null),
  );
  const isolated = applying.some((p) => p.spec.enableDefaultDeny?.[dir] ?? (p.spec[dir]?.length ?? 0) > 0);
  if (!isolated) return true;
  return applying.some((p) =>
    (p.spec[dir] ?? []).some(
      (r) => l3(r, dir, other, p.kind === "CiliumNetworkPolicy" ? (p.metadata.namespace ?? null) : null) && l4(r, port, protocol),
    ),
  );
}

export function ciliumAllowed(policies: CiliumObject[], src: CEndpoint, dst: CEndpoint, port: number, protocol: string): boolean {
  return sideAllows(policies, "egress", src, dst, port, protocol) && sideAllows(policies, "ingress", dst, src, port, protocol);
}
