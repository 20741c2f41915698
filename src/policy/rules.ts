// Builds per-workload rule sets from resolved connections. Pure.
import { createHash } from "node:crypto";
import type { ClusterIndex } from "../model/cluster.ts";
import { describePeer, fmtLabels, peerKey, workloadKey, workloadLabel } from "../model/keys.ts";
import { matches } from "../model/selector.ts";
import type {
  BuildResult,
  Connection,
  Direction,
  Evidence,
  Labels,
  Peer,
  PolicySet,
  PortProto,
  Protocol,
  Resolved,
  Rule,
  SkipReason,
  Warning,
  WorkloadPolicy,
  WorkloadRef,
} from "../model/types.ts";

export interface BuildOptions {
  /** Workloads to generate for (keys from workloadKey). */
  targets: WorkloadRef[];
  allowDns: boolean;
  minFlows: number;
  policyTypes: ("Ingress" | "Egress")[];
  defaultDeny: boolean;
}

export function ruleId(target: WorkloadRef, direction: Direction, peer: Peer, ports: PortProto[]): string {
  const canon = JSON.stringify([workloadKey(target), direction, peerKey(peer), ports.map((p) => `${p.port}/${p.protocol}`)]);
  return `r-${createHash("sha256").update(canon).digest("hex").slice(0, 12)}`;
}

export function comparePorts(a: PortProto, b: PortProto): number {
  return a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0);
}

const KIND_ORDER: Record<Peer["kind"], number> = { workload: 0, apiserver: 1, node: 2, external: 3, fqdn: 4 };
export function comparePeers(a: Peer, b: Peer): number {
  const k = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (k !== 0) return k;
  const ka = peerKey(a);
  const kb = peerKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function mergeEvidence(into: Evidence, e: Evidence): void {
  into.flows += e.flows;
  into.firstSeen = Math.min(into.firstSeen, e.firstSeen);
  into.lastSeen = Math.max(into.lastSeen, e.lastSeen);
  for (const p of e.pods) if (!into.pods.includes(p)) into.pods.push(p);
}

interface Draft {
  peer: Peer;
  ports: Map<string, PortProto>;
  evidence: Evidence;
}

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

export function buildPolicies(index: ClusterIndex, resolved: Resolved, opts: BuildOptions): BuildResult {
  const skipped: Partial<Record<SkipReason, number>> = { ...resolved.skipped };
  const warnings: Warning[] = [...resolved.warnings];
  const failed: BuildResult["failed"] = [];
  const policies: WorkloadPolicy[] = [];

  // Index connections by the workload on each end, once.
  const bySide = new Map<string, { egress: Connection[]; ingress: Connection[] }>();
  const side = (k: string) => {
    const s = bySide.get(k) ?? { egress: [], ingress: [] };
    bySide.set(k, s);
    return s;
  };
  for (const c of resolved.connections) {
    if (c.src.kind === "workload") side(workloadKey(c.src.workload)).egress.push(c);
    if (c.dst.kind === "workload") side(workloadKey(c.dst.workload)).ingress.push(c);
  }

  const dns = opts.allowDns && opts.policyTypes.includes("Egress") ? dnsTarget(index) : null;
  if (opts.allowDns && opts.policyTypes.includes("Egress") && !dns) {
    warnings.push({
      code: "dns-unknown",
      message: "the cluster DNS Service was not found; no DNS egress rule is added (pass --allow-dns=false to silence)",
    });
  }

  const targets = [...new Map(opts.targets.map((t) => [workloadKey(t), t])).values()].sort((a, b) =>
    workloadKey(a) < workloadKey(b) ? -1 : 1,
  );
  for (const target of targets) {
    const key = workloadKey(target);
    const own = selectorOf(index, key);
    const selector = own?.selector ?? null;
    const absent = own?.absent;
    const label = workloadLabel(target);
    const live = index.podsByWorkload.get(key) ?? [];
    if (live.length > 0 && live.every((p) => p.hostNetwork)) {
      const message = `${label} runs on the host network: no NetworkPolicy applies to host-network pods, so none was generated`;
      failed.push({ workload: target, reason: "host-network", message, evidence: false });
      continue;
    }
    if (!selector) {
      const message = `${label} has no usable labels, so no policy was generated: no selector picks exactly its pods, and an empty one would select the whole namespace (add a label such as app=${target.name} to its pods, then re-run)`;
      failed.push({ workload: target, reason: "unlabeled", message, evidence: resolved.unexpressed.has(key) });
      continue;
    }
    const conns = bySide.get(key);
    if (!conns || conns.egress.length + conns.ingress.length === 0) {
      failed.push({ workload: target, reason: "no-traffic", message: `No traffic data found for ${label}`, evidence: false });
      continue;
    }
    const build = (direction: Direction, list: Connection[]): Rule[] => {
      const drafts = new Map<string, Draft>();
      for (const c of list) {
        const peer = direction === "egress" ? c.dst : c.src;
        const k = peerKey(peer);
        const d = drafts.get(k) ?? { peer, ports: new Map(), evidence: { flows: 0, firstSeen: Infinity, lastSeen: -Infinity, pods: [] } };
        drafts.set(k, d);
        d.ports.set(`${c.port.port}/${c.port.protocol}`, c.port);
        mergeEvidence(d.evidence, c.evidence);
      }
      const rules: Rule[] = [];
      let synthetic = false;
      if (direction === "egress" && dns) {
        const k = peerKey(dns.peer);
        const d = drafts.get(k);
        if (d) for (const p of dns.ports) d.ports.set(`${p.port}/${p.protocol}`, p);
        else {
          drafts.set(k, {
            peer: dns.peer,
            ports: new Map(dns.ports.map((p) => [`${p.port}/${p.protocol}`, p])),
            evidence: { flows: 0, firstSeen: 0, lastSeen: 0, pods: [] },
          });
          synthetic = true;
        }
      }
      for (const d of drafts.values()) {
        if (d.peer.kind === "workload" && d.peer.role === "dns") {
          // A lookup seen over one protocol needs the other too (TCP fallback for large answers).
          for (const p of [...d.ports.values()]) {
            const other: Protocol = p.protocol === "UDP" ? "TCP" : "UDP";
            if (p.protocol !== "SCTP" && p.port === 53) d.ports.set(`${p.port}/${other}`, { port: p.port, protocol: other });
          }
        }
        const isSynthetic = synthetic && d.evidence.flows === 0;
        // --allow-dns promises DNS to every egress policy, however few lookups were seen.
        const keptForDns = direction === "egress" && dns !== null && peerKey(d.peer) === peerKey(dns.peer);
        if (!isSynthetic && !keptForDns && d.evidence.flows < opts.minFlows) {
          skipped["below-min-flows"] = (skipped["below-min-flows"] ?? 0) + 1;
          warnings.push({
            code: "below-min-flows",
            message: `${label}: ${direction} rule ${direction === "egress" ? "to" : "from"} ${describePeer(d.peer)} dropped: ${d.evidence.flows} flow(s) < --min-flows ${opts.minFlows}`,
          });
          continue;
        }
        const ports = [...d.ports.values()].sort(comparePorts);
        d.evidence.pods.sort();
        rules.push({
          id: ruleId(target, direction, d.peer, ports),
          direction,
          peer: d.peer,
          ports,
          evidence: d.evidence,
          ...(isSynthetic ? { synthetic: "dns" as const } : {}),
        });
      }
      return rules.sort((a, b) => comparePeers(a.peer, b.peer));
    };
    const wantIngress = opts.policyTypes.includes("Ingress");
    const wantEgress = opts.policyTypes.includes("Egress");
    policies.push({
      workload: target,
      selector,
      ...(absent ? { absent } : {}),
      ingress: wantIngress ? build("ingress", conns.ingress) : [],
      egress: wantEgress ? build("egress", conns.egress) : [],
      policyTypes: opts.policyTypes,
    });
    const policy = policies[policies.length - 1] as WorkloadPolicy;
    warnings.push(...checkSelector(index, target, selector, absent, label));
    warnings.push(...absenceWarnings(policy, label));
    if (wantIngress) warnings.push(...checkUdpServers(index, key, policy, label));
  }

  warnings.push(...checkNamespaceLabels(index, policies));
  warnings.push(...checkSystemNamespaces(policies));
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

function selectorOf(index: ClusterIndex, key: string): { selector: Labels | null; absent?: string[] } | null {
  const live = index.podsByWorkload.get(key)?.[0];
  if (live) return live;
  for (const p of index.podsByName.values()) if (workloadKey(p.workload) === key) return p;
  return null;
}

const ABSENCE = "selected by the absence of labels";

/** A selector made of DoesNotExist picks any future pod without those labels: say so on every such rule. */
function absenceWarnings(p: WorkloadPolicy, label: string): Warning[] {
  const out: Warning[] = [];
  if (p.absent)
    out.push({
      code: "absent-labels",
      message: `${label}: the policy's pods are ${ABSENCE}: any future unlabeled pod in ${p.workload.namespace} matches (label its pods to select them exactly)`,
    });
  for (const r of [...p.ingress, ...p.egress]) {
    if (r.peer.kind !== "workload" || !r.peer.absent) continue;
    out.push({
      code: "absent-labels",
      message: `${label}: ${r.direction} rule ${r.id} ${r.direction === "egress" ? "to" : "from"} ${describePeer(r.peer)} is ${ABSENCE}: any future unlabeled pod in ${r.peer.workload.namespace} matches`,
    });
  }
  return out;
}

/** The selector must pick every live pod of the workload and no pod of another one. */
function checkSelector(index: ClusterIndex, target: WorkloadRef, selector: Labels, absent: string[] | undefined, label: string): Warning[] {
  const key = workloadKey(target);
  const out: Warning[] = [];
  const others = new Set<string>();
  for (const p of index.podsByName.values()) {
    if (!p.live || p.namespace !== target.namespace) continue;
    const hit = matches(selector, p.labels, absent);
    const mine = workloadKey(p.workload) === key;
    if (mine && !hit)
      out.push({ code: "selector-misses", message: `${label}: selector ${fmtLabels(selector, absent)} does not match its pod ${p.name}` });
    if (!mine && hit) others.add(`${p.workload.kind.toLowerCase()} ${p.workload.name}`);
  }
  if (others.size > 0) {
    out.push({
      code: "selector-wide",
      message: `${label}: selector ${fmtLabels(selector, absent)} also matches ${[...others].sort().join(", ")}`,
    });
  }
  return out;
}

/**
 * Cross-namespace peers are selected by the kubernetes.io/metadata.name label, which Kubernetes sets
 * on every namespace since 1.21. A namespace without it (older clusters) would never match.
 */
function checkNamespaceLabels(index: ClusterIndex, policies: WorkloadPolicy[]): Warning[] {
  if (index.namespaceLabels.size === 0) return []; // no inventory: nothing to check against
  const missing = new Set<string>();
  for (const p of policies) {
    for (const r of [...p.ingress, ...p.egress]) {
      if (r.peer.kind !== "workload" || r.peer.workload.namespace === p.workload.namespace) continue;
      const ns = r.peer.workload.namespace;
      const labels = index.namespaceLabels.get(ns);
      if (labels && labels["kubernetes.io/metadata.name"] !== ns) missing.add(ns);
    }
  }
  return [...missing].sort().map((ns) => ({
    code: "namespace-label",
    message: `namespace ${ns} has no kubernetes.io/metadata.name label (Kubernetes before 1.21), so peers in it will not match; run: kubectl label namespace ${ns} kubernetes.io/metadata.name=${ns}`,
  }));
}

const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease"]);

/** A policy in a system namespace that misses one flow can take the cluster down: say so where it is reviewed. */
function checkSystemNamespaces(policies: WorkloadPolicy[]): Warning[] {
  return policies
    .filter((p) => SYSTEM_NAMESPACES.has(p.workload.namespace))
    .map((p) => ({
      code: "system-namespace",
      message: `${workloadLabel(p.workload)}: a flow this policy misses in ${p.workload.namespace} can break the whole cluster; review it with care before applying`,
    }));
}

/** The broker records no UDP ingress: a UDP port without client evidence will be denied. Say so. */
function checkUdpServers(index: ClusterIndex, key: string, p: WorkloadPolicy, label: string): Warning[] {
  const declared = new Set<number>();
  for (const pod of index.podsByWorkload.get(key) ?? []) for (const c of pod.containerPorts) if (c.protocol === "UDP") declared.add(c.port);
  const seen = new Set(p.ingress.flatMap((r) => r.ports.filter((x) => x.protocol === "UDP").map((x) => x.port)));
  return [...declared]
    .filter((port) => !seen.has(port))
    .sort((a, b) => a - b)
    .map((port) => ({
      code: "udp-unseen",
      message: `${label} declares UDP port ${port} but no client was seen using it (the broker records UDP only at the client); the policy denies it`,
    }));
}

/** kguardian's advice: let an application run under normal load 5 to 15 minutes before generating. */
const MIN_OBSERVATION_MS = 5 * 60_000;

function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
}

/** Workloads whose first observed flow is less than MIN_OBSERVATION_MS before the data was read. */
export function shortObservation(policies: WorkloadPolicy[], readAt: number): Warning[] {
  const out: Warning[] = [];
  for (const p of policies) {
    const seen = [...p.ingress, ...p.egress].filter((r) => !r.synthetic).map((r) => r.evidence.firstSeen);
    if (seen.length === 0) continue;
    const span = readAt - Math.min(...seen);
    if (span >= MIN_OBSERVATION_MS) continue;
    out.push({
      code: "short-observation",
      message: `${workloadLabel(p.workload)}: traffic observed for only ${fmtDuration(span)}; rules may be missing (let it run under normal load for 5-15 minutes, then re-run)`,
    });
  }
  return out;
}
