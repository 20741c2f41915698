// Replays observed connections against a set of policies: which observed flows would they deny? Pure.

import type { ClusterIndex } from "../model/cluster.ts";
import { describePeer, requestOfKey, workloadKey } from "../model/keys.ts";
import type { Connection, Peer, WorkloadRef } from "../model/types.ts";
import { type CiliumPolicyLike, type Endpoint, type NetworkPolicyLike, PolicyEvaluator, type Verdict } from "./evaluate.ts";

export interface WouldBreak {
  connection: Connection;
  verdict: Verdict;
  message: string;
  /** The workload whose policy denies it (the side that refused), when that end is a workload. */
  workload?: WorkloadRef;
}

/**
 * A representative endpoint of a peer: a live pod of the workload with its real address (ipBlocks
 * match pods by address too), or the peer's address. A peer without a known pod has no address, so
 * no ipBlock can allow it.
 */
export function endpointOf(index: ClusterIndex, p: Peer): Endpoint {
  switch (p.kind) {
    case "workload": {
      const pod = index.podsByWorkload.get(workloadKey(p.workload))?.[0];
      return {
        ip: pod?.ips[0] ?? "",
        pod: { namespace: p.workload.namespace, labels: pod?.labels ?? p.selector, ...(pod ? { ports: pod.containerPorts } : {}) },
      };
    }
    case "apiserver":
      return { ip: (p.cidrs[0] ?? "240.0.0.1/32").split("/")[0] as string, entity: "kube-apiserver" };
    case "node":
      return { ip: p.cidr.split("/")[0] as string, entity: "node" };
    case "external":
      return { ip: p.cidr.split("/")[0] as string, entity: "world" };
    case "fqdn":
      return { ip: (p.cidrs[0] ?? "240.0.0.1/32").split("/")[0] as string, entity: "world", names: p.names };
    // Never an observed end: only a widened rule has these peers.
    case "namespace":
      return { ip: "", pod: { namespace: p.namespace, labels: {} } };
    case "any-pod":
      return { ip: "", pod: { namespace: "", labels: {} } };
  }
}

/** The HTTP requests seen on an allowed connection that the HTTP rules under its port would refuse (Envoy: 403). */
function refusedRequests(evaluator: PolicyEvaluator, index: ClusterIndex, c: Connection): WouldBreak[] {
  if (!c.http) return [];
  const out: WouldBreak[] = [];
  const [src, dst] = [endpointOf(index, c.src), endpointOf(index, c.dst)];
  for (const [key, n] of c.http) {
    const request = requestOfKey(key);
    const verdict = evaluator.check(src, dst, c.port.port, c.port.protocol, request);
    if (verdict.allowed) continue;
    const by = verdict.deniedBy;
    const denier = by?.side === "ingress" ? c.dst : c.src;
    const shown = request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path;
    out.push({
      connection: c,
      verdict,
      ...(denier.kind === "workload" ? { workload: denier.workload } : {}),
      message: `observed ${request.method.slice(0, 20)} ${shown.replace(/[^\x20-\x7e]/g, "?")} (${n}×) ${describePeer(c.src)} → ${describePeer(c.dst)} on ${c.port.port}/${c.port.protocol} would be refused (HTTP 403) at ${by?.side} by the path rules of ${by?.policies.join(", ")}`,
    });
  }
  return out;
}

export function replay(
  index: ClusterIndex,
  connections: Connection[],
  policies: (NetworkPolicyLike | CiliumPolicyLike)[],
  nsLabels: (ns: string) => Record<string, string>,
): WouldBreak[] {
  const evaluator = new PolicyEvaluator(policies, nsLabels);
  const out: WouldBreak[] = [];
  for (const c of connections) {
    const verdict = evaluator.check(endpointOf(index, c.src), endpointOf(index, c.dst), c.port.port, c.port.protocol);
    if (verdict.allowed) {
      out.push(...refusedRequests(evaluator, index, c));
      continue;
    }
    const by = verdict.deniedBy;
    const flow = `observed ${describePeer(c.src)} → ${describePeer(c.dst)} on ${c.port.port}/${c.port.protocol} (${c.evidence.flows} connection${c.evidence.flows === 1 ? "" : "s"})`;
    const denier = by?.side === "ingress" ? c.dst : c.src;
    out.push({
      connection: c,
      verdict,
      ...(denier.kind === "workload" ? { workload: denier.workload } : {}),
      message: verdict.nameUnknown
        ? `${flow} is allowed only if a toFQDNs rule of ${by?.policies.join(", ")} names its address; the data has no DNS name for it`
        : `${flow} would be denied at ${by?.side} by ${by?.policies.join(", ")}`,
    });
  }
  return out.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}
