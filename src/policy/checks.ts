// Warnings about generated policies: what a person should know before trusting one. Pure; each warning
// names its subject (workload, rule) as data, so that the review and reports attach it by identity.
import type { ClusterIndex } from "../model/cluster.ts";
import { describePeer, fmtLabels, workloadKey, workloadLabel } from "../model/keys.ts";
import { matches } from "../model/selector.ts";
import type { Labels, Warning, WorkloadPolicy, WorkloadRef } from "../model/types.ts";

const ABSENCE = "selected by the absence of labels";

/** A selector made of DoesNotExist picks any future pod without those labels: say so on every such rule. */
export function absenceWarnings(p: WorkloadPolicy, label: string): Warning[] {
  const out: Warning[] = [];
  if (p.absent)
    out.push({
      code: "absent-labels",
      workload: p.workload,
      message: `${label}: the policy's pods are ${ABSENCE}: any future unlabeled pod in ${p.workload.namespace} matches (label its pods to select them exactly)`,
    });
  for (const r of [...p.ingress, ...p.egress]) {
    if (r.peer.kind !== "workload" || !r.peer.absent) continue;
    out.push({
      code: "absent-labels",
      workload: p.workload,
      ruleId: r.id,
      message: `${label}: ${r.direction} rule ${r.id} ${r.direction === "egress" ? "to" : "from"} ${describePeer(r.peer)} is ${ABSENCE}: any future unlabeled pod in ${r.peer.workload.namespace} matches`,
    });
  }
  return out;
}

/** The selector must pick every live pod of the workload and no pod of another one. */
export function checkSelector(
  index: ClusterIndex,
  target: WorkloadRef,
  selector: Labels,
  absent: string[] | undefined,
  label: string,
): Warning[] {
  const key = workloadKey(target);
  const out: Warning[] = [];
  const others = new Set<string>();
  for (const p of index.liveByNamespace.get(target.namespace) ?? []) {
    const hit = matches(selector, p.labels, absent);
    const mine = workloadKey(p.workload) === key;
    if (mine && !hit)
      out.push({
        code: "selector-misses",
        workload: target,
        message: `${label}: selector ${fmtLabels(selector, absent)} does not match its pod ${p.name}`,
      });
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
export function checkNamespaceLabels(index: ClusterIndex, policies: WorkloadPolicy[]): Warning[] {
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

// Once per index: every policy asks, and a cluster has thousands of policies and pods.
const dsByNode = new WeakMap<ClusterIndex, Map<string, Set<string>>>();

/** The DaemonSets the agent ignores on each node: their pods' nodes (not host-network, not in an excluded namespace). */
function daemonSetsByNode(index: ClusterIndex): Map<string, Set<string>> {
  let m = dsByNode.get(index);
  if (m) return m;
  m = new Map();
  for (const list of index.podsByWorkload.values())
    for (const x of list)
      if (x.workload.kind === "DaemonSet" && !x.hostNetwork && x.nodeName && !index.agent.excludedNamespaces.includes(x.namespace)) {
        const set = m.get(x.nodeName) ?? new Set<string>();
        set.add(`${x.workload.namespace}/${x.workload.name}`);
        m.set(x.nodeName, set);
      }
  dsByNode.set(index, m);
  return m;
}

/**
 * With IGNORE_DAEMONSET_TRAFFIC, each node's agent drops traffic between its own DaemonSet pods and the
 * pods on that node: a policy for pods sharing a node with such a DaemonSet denies what was never seen.
 */
export function blindNeighbours(index: ClusterIndex, p: WorkloadPolicy, label: string): Warning[] {
  const a = index.agent;
  if (!a.ignoreDaemonSetTraffic || p.workload.kind === "DaemonSet") return [];
  const key = workloadKey(p.workload);
  const byNode = daemonSetsByNode(index);
  const daemonsets = new Set<string>();
  for (const x of index.podsByWorkload.get(key) ?? []) for (const d of (x.nodeName && byNode.get(x.nodeName)) || []) daemonsets.add(d);
  if (daemonsets.size === 0) return [];
  return [
    {
      code: "agent-blind",
      workload: p.workload,
      message: `${label}: the kguardian agent ignores daemonset ${[...daemonsets].sort().join(", ")} on the same node(s) (IGNORE_DAEMONSET_TRAFFIC, from ${a.source}): connections between them are never recorded, so this policy would deny them (allow them by hand, or set IGNORE_DAEMONSET_TRAFFIC=false)`,
    },
  ];
}

const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease"]);

/** A policy in a system namespace that misses one flow can take the cluster down: say so where it is reviewed. */
export function checkSystemNamespaces(policies: WorkloadPolicy[]): Warning[] {
  return policies
    .filter((p) => SYSTEM_NAMESPACES.has(p.workload.namespace))
    .map((p) => ({
      code: "system-namespace",
      workload: p.workload,
      message: `${workloadLabel(p.workload)}: a flow this policy misses in ${p.workload.namespace} can break the whole cluster; review it with care before applying`,
    }));
}

/** The broker records no UDP ingress: a UDP port without client evidence will be denied. Say so. */
export function checkUdpServers(index: ClusterIndex, key: string, p: WorkloadPolicy, label: string): Warning[] {
  const declared = new Set<number>();
  for (const pod of index.podsByWorkload.get(key) ?? []) for (const c of pod.containerPorts) if (c.protocol === "UDP") declared.add(c.port);
  const seen = new Set(p.ingress.flatMap((r) => r.ports.filter((x) => x.protocol === "UDP").map((x) => x.port)));
  return [...declared]
    .filter((port) => !seen.has(port))
    .sort((a, b) => a - b)
    .map((port) => ({
      code: "udp-unseen",
      workload: p.workload,
      message: `${label} declares UDP port ${port} but no client was seen using it (the broker records UDP only at the client); the policy denies it`,
    }));
}

/**
 * The agent stores a UDP egress only when no egress row from that pod to the same address exists (ports
 * compared whatever the protocol): a second UDP port to a peer, or TCP beside UDP on one port, is never
 * recorded. Where UDP to a peer was seen, say that more of it may go unseen and would be denied.
 */
export function udpDedupWarnings(p: WorkloadPolicy, label: string): Warning[] {
  const out: Warning[] = [];
  for (const r of p.egress) {
    // DNS rules already allow 53 over both protocols.
    const dns = r.peer.kind === "workload" && r.peer.role === "dns";
    const udp = r.ports.filter((x) => x.protocol === "UDP" && !(dns && x.port === 53)).map((x) => x.port);
    if (r.synthetic || udp.length === 0) continue;
    const peer = describePeer(r.peer);
    out.push({
      code: "udp-dedup",
      workload: p.workload,
      ruleId: r.id,
      message: `${label}: egress rule ${r.id} to ${peer} allows UDP ${udp.join(",")}: the kguardian agent stores one UDP egress per peer address, so other UDP ports to it, or TCP on ${udp.length === 1 ? "that port" : "those ports"}, may be in use unrecorded and would be denied`,
    });
  }
  return out;
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
      workload: p.workload,
      message: `${workloadLabel(p.workload)}: traffic observed for only ${fmtDuration(span)}; rules may be missing (let it run under normal load for 5-15 minutes, then re-run)`,
    });
  }
  return out;
}
