// One policy per target workload from the resolved connections, or the reason it got none. Pure.
import type { ClusterIndex, PodIdentity } from "../model/cluster.ts";
import { workloadKey, workloadLabel } from "../model/keys.ts";
import { matches } from "../model/selector.ts";
import type { BuildResult, Connection, Peer, PortProto, Protocol, Resolved, Warning, WorkloadPolicy, WorkloadRef } from "../model/types.ts";
import {
  absenceWarnings,
  blindNeighbours,
  checkNamespaceLabels,
  checkSelector,
  checkSystemNamespaces,
  checkUdpServers,
  udpDedupWarnings,
} from "./checks.ts";
import { buildRules, comparePorts, type RuleContext } from "./rules.ts";

export interface BuildOptions {
  /** Workloads to generate for. */
  targets: WorkloadRef[];
  allowDns: boolean;
  minFlows: number;
  policyTypes: ("Ingress" | "Egress")[];
  defaultDeny: boolean;
  /** Generate for workloads the agent does not observe too (a warning on every rule). */
  includeUnobserved?: boolean | undefined;
}

/** Why the agent records nothing a workload's pods do, or null. */
export function unobserved(index: ClusterIndex, target: WorkloadRef): string | null {
  const a = index.agent;
  if (a.excludedNamespaces.includes(target.namespace))
    return `the kguardian agent does not record pods of namespace ${target.namespace} (EXCLUDED_NAMESPACES, from ${a.source})`;
  if (a.ignoreDaemonSetTraffic && target.kind === "DaemonSet")
    return `the kguardian agent ignores everything a DaemonSet's pods do (IGNORE_DAEMONSET_TRAFFIC, from ${a.source})`;
  return null;
}

type Sides = Map<string, { egress: Connection[]; ingress: Connection[] }>;

/** The DNS peer and its real ports (UDP and TCP), when the cluster DNS is known. */
function dnsTarget(index: ClusterIndex): { peer: Peer; ports: PortProto[] } | null {
  const svc = index.dns;
  if (!svc?.selector) return null;
  const sel = svc.selector;
  const pods = [...index.podsByName.values()].filter((p) => p.live && p.namespace === svc.namespace && matches(sel, p.labels));
  const first = pods[0];
  const ports = new Map<string, PortProto>();
  // Only the DNS ports: kube-dns also exposes metrics (9153), which clients never need.
  for (const sp of svc.ports.filter((p) => p.port === 53)) {
    const target =
      typeof sp.targetPort === "number" ? sp.targetPort : pods.flatMap((p) => p.containerPorts).find((c) => c.name === sp.targetPort)?.port;
    if (target === undefined) continue;
    // DNS falls back to TCP for large answers: allow both whatever was declared.
    for (const protocol of ["UDP", "TCP"] as Protocol[]) ports.set(`${target}/${protocol}`, { port: target, protocol });
  }
  if (ports.size === 0) return null;
  const peer: Peer = first?.selector
    ? { kind: "workload", workload: first.workload, selector: first.selector, role: "dns" }
    : { kind: "workload", workload: { kind: "Service", name: svc.name, namespace: svc.namespace }, selector: sel, role: "dns" };
  return { peer, ports: [...ports.values()].sort(comparePorts) };
}

/** --include-unobserved: every rule of an unobserved workload says what it is built from. */
function unobservedRules(index: ClusterIndex, p: WorkloadPolicy, label: string): Warning[] {
  const blind = unobserved(index, p.workload);
  if (!blind) return [];
  return [...p.ingress, ...p.egress].map((r) => ({
    code: "unobserved",
    workload: p.workload,
    ruleId: r.id,
    message: `${label}: rule ${r.id} is built from other pods' rows only (${blind}); what its own pods do is missing`,
  }));
}

/** Connections indexed by the workload on each end, once. */
function sides(resolved: Resolved): Sides {
  const out: Sides = new Map();
  const side = (k: string) => {
    let s = out.get(k);
    if (!s) {
      s = { egress: [], ingress: [] };
      out.set(k, s);
    }
    return s;
  };
  for (const c of resolved.connections) {
    if (c.src.kind === "workload") side(workloadKey(c.src.workload)).egress.push(c);
    if (c.dst.kind === "workload") side(workloadKey(c.dst.workload)).ingress.push(c);
  }
  return out;
}

function identityOf(index: ClusterIndex, key: string): PodIdentity | null {
  const live = index.podsByWorkload.get(key)?.[0];
  if (live) return live;
  for (const p of index.podsByName.values()) if (workloadKey(p.workload) === key) return p;
  return null;
}

/** The target's policy, or why it gets none. */
function policyFor(
  index: ClusterIndex,
  resolved: Resolved,
  bySide: Sides,
  target: WorkloadRef,
  ctx: Omit<RuleContext, "target"> & { includeUnobserved?: boolean | undefined },
  policyTypes: BuildOptions["policyTypes"],
): WorkloadPolicy | BuildResult["failed"][number] {
  const key = workloadKey(target);
  const label = workloadLabel(target);
  const live = index.podsByWorkload.get(key) ?? [];
  if (live.length > 0 && live.every((p) => p.hostNetwork)) {
    const message = `${label} runs on the host network: no NetworkPolicy applies to host-network pods, so none was generated`;
    return { workload: target, reason: "host-network", message, evidence: false };
  }
  const blind = unobserved(index, target);
  if (blind && !ctx.includeUnobserved) {
    const message = `${label} is not observed: ${blind}, so a policy from other pods' rows alone would deny what it does; none was generated (--include-unobserved generates it, with a warning on every rule)`;
    return { workload: target, reason: "unobserved", message, evidence: false };
  }
  const own = identityOf(index, key);
  if (!own?.selector) {
    const message = `${label} has no usable labels, so no policy was generated: no selector picks exactly its pods, and an empty one would select the whole namespace (add a label such as app=${target.name} to its pods, then re-run)`;
    return { workload: target, reason: "unlabeled", message, evidence: resolved.unexpressed.has(key) };
  }
  const conns = bySide.get(key);
  if (!conns || conns.egress.length + conns.ingress.length === 0)
    return { workload: target, reason: "no-traffic", message: `No traffic data found for ${label}`, evidence: false };
  const rc = { ...ctx, target };
  return {
    workload: target,
    selector: own.selector,
    ...(own.absent ? { absent: own.absent } : {}),
    ingress: policyTypes.includes("Ingress") ? buildRules("ingress", conns.ingress, rc) : [],
    egress: policyTypes.includes("Egress") ? buildRules("egress", conns.egress, rc) : [],
    policyTypes,
  };
}

export function buildPolicies(index: ClusterIndex, resolved: Resolved, opts: BuildOptions): BuildResult {
  const skipped = { ...resolved.skipped };
  const warnings: Warning[] = [...resolved.warnings];
  const failed: BuildResult["failed"] = [];
  const policies: WorkloadPolicy[] = [];
  const wantDns = opts.allowDns && opts.policyTypes.includes("Egress");
  const dns = wantDns ? dnsTarget(index) : null;
  if (wantDns && !dns)
    warnings.push({
      code: "dns-unknown",
      message: "the cluster DNS Service was not found; no DNS egress rule is added (pass --allow-dns=false to silence)",
    });
  const bySide = sides(resolved);
  const targets = [...new Map(opts.targets.map((t) => [workloadKey(t), t])).values()].sort((a, b) =>
    workloadKey(a) < workloadKey(b) ? -1 : 1,
  );
  const ctx = { dns, minFlows: opts.minFlows, skipped, warnings, includeUnobserved: opts.includeUnobserved };
  for (const target of targets) {
    const p = policyFor(index, resolved, bySide, target, ctx, opts.policyTypes);
    if ("reason" in p) {
      failed.push(p);
      continue;
    }
    policies.push(p);
    const label = workloadLabel(target);
    warnings.push(...checkSelector(index, target, p.selector, p.absent, label), ...absenceWarnings(p, label));
    if (opts.policyTypes.includes("Ingress")) warnings.push(...checkUdpServers(index, workloadKey(target), p, label));
    warnings.push(...unobservedRules(index, p, label), ...blindNeighbours(index, p, label), ...udpDedupWarnings(p, label));
  }
  warnings.push(...checkNamespaceLabels(index, policies), ...checkSystemNamespaces(policies));
  const defaultDeny = opts.defaultDeny ? [...new Set(targets.map((t) => t.namespace))].sort() : [];
  const rules = policies.reduce((n, p) => n + p.ingress.length + p.egress.length, 0);
  return {
    policies,
    defaultDeny,
    skipped,
    warnings,
    failed,
    stats: { rows: resolved.rows, workloads: policies.length, rules, pods: index.podsByName.size },
  };
}
