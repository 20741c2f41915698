// cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy from the same rule model. Pure.

import { portText, workloadLabel } from "../model/keys.ts";
import type { LabelSelector, RenderContext, RenderedObject, RenderedRule, YamlPath } from "../model/rendered.ts";
import type { Labels, Peer, Rule, Warning, WorkloadPolicy } from "../model/types.ts";
import { policyFileName, shorten } from "./naming.ts";
import { defaultDenyObject, headerFor, metadataFor } from "./networkpolicy.ts";
import { evidenceComment, labelSelector } from "./render.ts";

export const NS_LABEL = "k8s:io.kubernetes.pod.namespace";

/** Cilium selects pods by their Kubernetes labels under the k8s: source. */
function k8sLabels(l: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(l).sort()) out[`k8s:${k}`] = l[k] as string;
  return out;
}

type L3 =
  | { toEndpoints: LabelSelector[] }
  | { toEntities: string[] }
  | { toCIDR: string[] }
  | { toCIDRSet: { cidr: string; except: string[] }[] }
  | { toFQDNs: { matchName: string }[] };

/**
 * The L3 part of a rule for one peer. A namespaced policy's endpoint selectors only see its own
 * namespace unless they name another, so the namespace label is set whenever it differs (always,
 * for a clusterwide policy, which has no namespace of its own).
 */
function l3(peer: Peer, policyNs: string | null, dir: "ingress" | "egress"): { group: string; l3: L3 } {
  switch (peer.kind) {
    case "workload": {
      const sel = k8sLabels(peer.selector);
      if (policyNs === null || peer.workload.namespace !== policyNs) sel[NS_LABEL] = peer.workload.namespace;
      return {
        group: peer.role === "dns" ? "dns" : "endpoints",
        l3: { toEndpoints: [labelSelector(sel, peer.absent, "k8s:")] },
      };
    }
    case "namespace": {
      // Widened by a person: the listed workloads, or every pod of the namespace.
      const members = peer.workloads ?? [{ selector: {}, absent: undefined }];
      return {
        group: "endpoints",
        l3: { toEndpoints: members.map((m) => labelSelector({ ...k8sLabels(m.selector), [NS_LABEL]: peer.namespace }, m.absent, "k8s:")) },
      };
    }
    case "any-pod":
      // {} would mean the policy's own namespace: every namespace is "the namespace label exists".
      return { group: "endpoints", l3: { toEndpoints: [{ matchExpressions: [{ key: NS_LABEL, operator: "Exists" }] }] } };
    case "apiserver":
      return { group: "entities", l3: { toEntities: ["kube-apiserver"] } };
    case "node":
      // Cluster nodes have identities, not CIDRs, in Cilium: the host and remote-node entities.
      return { group: "entities", l3: { toEntities: ["host", "remote-node"] } };
    case "external":
      if (peer.except?.length) return { group: "cidrset", l3: { toCIDRSet: [{ cidr: peer.cidr, except: peer.except }] } };
      return { group: "cidr", l3: { toCIDR: [peer.cidr] } };
    case "fqdn":
      // By name, so that the rule follows the name's addresses; names only exist for egress.
      return dir === "egress"
        ? { group: "fqdn", l3: { toFQDNs: peer.names.map((matchName) => ({ matchName })) } }
        : { group: "cidr", l3: { toCIDR: peer.cidrs } };
  }
}

const L3_KEY = {
  toEndpoints: "fromEndpoints",
  toEntities: "fromEntities",
  toCIDR: "fromCIDR",
  toCIDRSet: "fromCIDRSet",
  toFQDNs: "toFQDNs",
} as const;

function section(dir: "ingress" | "egress", rules: Rule[], policyNs: string | null, rendered: RenderedRule[]): Record<string, unknown>[] {
  // One entry per kind of peer and set of ports: Cilium ORs the peers of an entry and ANDs them with its ports.
  const groups = new Map<string, { l3: Record<string, unknown[]>; rules: Rule[]; dns: boolean }>();
  for (const r of rules) {
    const { group, l3: part } = l3(r.peer, policyNs, dir);
    const ports = r.ports.map(portText).join(",");
    // Path rules belong to one peer: a rule with them is an entry of its own.
    const key = `${group}|${ports}${r.http?.rules.length ? `|${r.id}` : ""}`;
    const g = groups.get(key) ?? { l3: {}, rules: [], dns: group === "dns" };
    groups.set(key, g);
    for (const [k, v] of Object.entries(part)) {
      const field = dir === "egress" ? k : L3_KEY[k as keyof typeof L3_KEY];
      const list = g.l3[field] ?? [];
      g.l3[field] = list;
      for (const item of v as unknown[]) if (!list.some((x) => JSON.stringify(x) === JSON.stringify(item))) list.push(item);
    }
    g.rules.push(r);
  }
  return [...groups.values()].map((g, gi) => {
    for (const r of g.rules) rendered.push({ id: r.id, comment: evidenceComment(r, "cilium"), paths: [["spec", dir, gi] as YamlPath] });
    const first = g.rules[0] as Rule;
    const port = (p: Rule["ports"][number]) => ({
      port: String(p.port),
      ...(p.endPort ? { endPort: p.endPort } : {}),
      protocol: p.protocol,
    });
    // A port with path rules gets its own entry; an L4-only entry for the same port would override them.
    const l7 = first.http?.rules ?? [];
    const withHttp = first.ports.filter((p) => p.protocol === "TCP" && l7.some((h) => h.port === p.port));
    const plain = first.ports.filter((p) => !withHttp.includes(p));
    const toPorts: Record<string, unknown>[] = withHttp.map((p) => ({
      ports: [port(p)],
      rules: { http: l7.filter((h) => h.port === p.port).map((h) => ({ method: h.method, path: h.path })) },
    }));
    if (plain.length > 0)
      toPorts.push({
        ports: plain.map(port),
        // Let Cilium's DNS proxy see the lookups, so that FQDN rules can follow.
        ...(g.dns && dir === "egress" ? { rules: { dns: [{ matchPattern: "*" }] } } : {}),
      });
    return { ...g.l3, toPorts };
  });
}

export function renderCilium(p: WorkloadPolicy, ctx: RenderContext, clusterwide: boolean): RenderedObject {
  const ns = p.workload.namespace;
  const rendered: RenderedRule[] = [];
  const selector = k8sLabels(p.selector);
  if (clusterwide) selector[NS_LABEL] = ns;
  const ingress = p.policyTypes.includes("Ingress");
  const egress = p.policyTypes.includes("Egress");
  const spec: Record<string, unknown> = {
    endpointSelector: labelSelector(selector, p.absent, "k8s:"),
    // Observed silence means deny, also in a direction without rules.
    enableDefaultDeny: { ingress, egress },
  };
  // An enforced direction without rules gets Cilium's explicit deny-all rule, {}: it allows nothing.
  if (ingress) spec.ingress = p.ingress.length > 0 ? section("ingress", p.ingress, clusterwide ? null : ns, rendered) : [{}];
  if (egress) spec.egress = p.egress.length > 0 ? section("egress", p.egress, clusterwide ? null : ns, rendered) : [{}];
  const { namespace: _, ...meta } = metadataFor(p, ctx);
  const kind = clusterwide ? "CiliumClusterwideNetworkPolicy" : "CiliumNetworkPolicy";
  // Cluster-scoped names must not clash across namespaces.
  const metadata = clusterwide
    ? { ...meta, name: shorten(`${ns}-${meta.name}`, 253) }
    : { name: meta.name, namespace: ns, labels: meta.labels, annotations: meta.annotations };
  return {
    fileName: policyFileName(ns, p.workload.name, clusterwide ? "ciliumclusterwidenetworkpolicy" : "ciliumnetworkpolicy"),
    object: { apiVersion: "cilium.io/v2", kind, metadata, spec },
    workload: p.workload,
    header: headerFor(p, kind),
    rules: rendered,
  };
}

/** --default-deny for Cilium: every endpoint of the namespace denies what no policy allows. */
export function renderCiliumDefaultDeny(namespace: string, ctx: RenderContext): RenderedObject {
  return defaultDenyObject(namespace, ctx, "cilium.io/v2", "CiliumNetworkPolicy", {
    endpointSelector: {},
    enableDefaultDeny: { ingress: true, egress: true },
    ingress: [{}],
    egress: [{}],
  });
}

/** toFQDNs only learns addresses from lookups Cilium's DNS proxy sees: a policy with names needs the DNS rule. */
export function fqdnWithoutDns(policies: WorkloadPolicy[]): Warning[] {
  return policies
    .filter(
      (p) => p.egress.some((r) => r.peer.kind === "fqdn") && !p.egress.some((r) => r.peer.kind === "workload" && r.peer.role === "dns"),
    )
    .map((p) => ({
      code: "fqdn-without-dns",
      workload: p.workload,
      message: `${workloadLabel(p.workload)}: its toFQDNs rules need egress to the cluster DNS with a DNS rule, which this policy lacks, so Cilium will deny those names (keep --allow-dns on and kube-dns in the data)`,
    }));
}
