// `explain`: the raw evidence behind one workload's policy. Every row about it, traced through the same
// resolution the policy was built from: what its remote address was taken to be, why a row was not
// used, and which rule each row became. Pure.

import type { ClusterIndex } from "../model/cluster.ts";
import type { ExplainedRow, Explanation } from "../model/explain.ts";
import { describePeer, isoSeconds, peerKey, portText, workloadKey, workloadLabel } from "../model/keys.ts";
import type { Direction, Inventory, Peer, SkipReason, TrafficData, TrafficRow, WorkloadRef } from "../model/types.ts";
import { buildIndex, podAt } from "../resolve/cluster-index.ts";
import { parseIp } from "../resolve/ip.ts";
import { type RowOutcome, TrafficFold } from "../resolve/resolve.ts";
import { type GenerateOptions, generate, resolveOptionsOf } from "./generate.ts";
import { ScopeError, selectTargets } from "./targets.ts";

const WHY: Record<SkipReason, string> = {
  dropped: "the kernel dropped it (decision DROP); --include-dropped makes such rows candidates",
  "invalid-port": "its port is not 1-65535, or the Service it went to has no such port",
  loopback: "loopback traffic never passes a network policy",
  self: "the pod talking to its own address",
  "unknown-protocol": "only TCP, UDP and SCTP can be allowed by port",
  "unknown-direction": "its traffic type is neither INGRESS nor EGRESS",
  "missing-field": "an address, pod name or namespace is missing",
  "unresolved-local": "its own pod is unknown to the inventory and the broker, or on the host network",
  "before-since": "first seen before --since, by a pod gone before then",
  "unlabeled-peer": "a peer without labels a policy could select it by",
  "below-min-flows": "fewer connections than --min-flows",
};

/** What the remote address of a row was taken to be, in words. */
function resolvedAs(index: ClusterIndex, row: TrafficRow, out: RowOutcome): string {
  const ip = parseIp(row.peerIp);
  if (row.peer) return `stamped by the broker at capture: ${row.peer.kind} ${row.peer.namespace}/${row.peer.name}`;
  if (!ip) return "not an address";
  const svc = row.trafficType.toUpperCase() === "EGRESS" ? index.servicesByIp.get(ip.text) : undefined;
  if (svc) {
    const sp = svc.ports.find((p) => String(p.port) === row.peerPort);
    const backends = [...new Set(out.connections.map((c) => `${describePeer(c.dst)} on ${portText(c.port)}`))].join("; ");
    return `Service ${svc.namespace}/${svc.name} port ${row.peerPort}${sp ? ` → targetPort ${sp.targetPort}` : ""}${backends ? ` → ${backends}` : ""}`;
  }
  const holder = podAt(index, ip.text, row.time);
  if (holder) return `pod ${holder.namespace}/${holder.name} of ${workloadLabel(holder.workload)}, which held ${ip.text} then`;
  const node = index.nodesByIp.get(ip.text);
  if (node) return `node ${node}`;
  const c = out.connections[0];
  const peer = c ? (c.src.kind === "workload" ? c.dst : c.src) : undefined;
  if (peer?.kind === "fqdn") return `outside the cluster, looked up as ${peer.names.join(", ")}`;
  if (peer?.kind === "apiserver") return "the Kubernetes API server";
  return "outside the cluster (no pod, Service or node had this address)";
}

const isTarget = (p: Peer, key: string) => p.kind === "workload" && workloadKey(p.workload) === key;

/** `opts.scope` names one workload (a pod, a workload or TYPE/NAME). */
export function explain(inventory: Inventory, data: TrafficData, opts: GenerateOptions): Explanation {
  const index = buildIndex(inventory, data);
  const [target] = selectTargets(index, opts.scope);
  if (!target) throw new ScopeError("nothing to explain");
  const key = workloadKey(target);
  const fold = new TrafficFold(index, data, resolveOptionsOf(opts));
  const traced: { row: TrafficRow; out: RowOutcome }[] = [];
  fold.trace(data.rows, (row, out) => {
    const own = index.podsByName.get(`${row.podNamespace}/${row.podName}`);
    const mine = own !== undefined && workloadKey(own.workload) === key;
    if (mine || out.connections.some((c) => isTarget(c.src, key) || isTarget(c.dst, key))) traced.push({ row, out });
  });
  const resolved = fold.done();
  const gen = generate(
    inventory,
    data,
    { ...opts, scope: { kind: "pod", namespace: target.namespace, name: target.name, resource: target.kind } },
    { index, resolved },
  );
  return describe(index, target, gen, traced, opts);
}

function describe(
  index: ClusterIndex,
  target: WorkloadRef,
  gen: ReturnType<typeof generate>,
  traced: { row: TrafficRow; out: RowOutcome }[],
  opts: GenerateOptions,
): Explanation {
  const key = workloadKey(target);
  const policy = gen.result.policies.find((p) => workloadKey(p.workload) === key);
  const rules = policy ? [...policy.egress, ...policy.ingress] : [];
  const byPeer = new Map(rules.map((r) => [`${r.direction}|${peerKey(r.peer)}`, r]));
  const counts = new Map<string, number>();
  const noRule = (dir: Direction) =>
    !policy
      ? "no policy for this workload"
      : !policy.policyTypes.includes(dir === "ingress" ? "Ingress" : "Egress")
        ? `the policy does not restrict ${dir} (--policy-types)`
        : `no rule: fewer connections to this peer than --min-flows ${opts.minFlows}`;
  const rows: ExplainedRow[] = traced.map(({ row, out }) => {
    const connections: ExplainedRow["connections"] = [];
    for (const c of out.connections)
      for (const [dir, peer] of [
        ["egress", isTarget(c.src, key) ? c.dst : null],
        ["ingress", isTarget(c.dst, key) ? c.src : null],
      ] as const) {
        if (!peer) continue;
        const rule = byPeer.get(`${dir}|${peerKey(peer)}`);
        if (rule) counts.set(rule.id, (counts.get(rule.id) ?? 0) + 1);
        connections.push({
          direction: dir,
          peer: describePeer(peer),
          port: portText(c.port),
          rule: rule?.id ?? null,
          ...(rule ? {} : { note: noRule(dir) }),
        });
      }
    return {
      uuid: row.uuid,
      time: isoSeconds(row.time),
      pod: `${row.podNamespace}/${row.podName}`,
      direction: row.trafficType,
      local: `${row.podIp}:${row.podPort}`,
      remote: `${row.peerIp}:${row.peerPort}`,
      protocol: row.protocol,
      decision: row.decision,
      resolvedAs: out.skipped && out.connections.length === 0 && out.skipped !== "unlabeled-peer" ? "-" : resolvedAs(index, row, out),
      connections,
      ...(out.skipped && out.connections.length === 0 ? { skipped: { reason: out.skipped, why: WHY[out.skipped] } } : {}),
    };
  });
  const failed = gen.result.failed.find((f) => workloadKey(f.workload) === key);
  const mine = (w: { workload?: WorkloadRef }) => w.workload === undefined || workloadKey(w.workload) === key;
  return {
    workload: workloadLabel(target),
    policy: policy !== undefined,
    ...(failed ? { failed: failed.message } : {}),
    rules: rules.map((r) => ({
      id: r.id,
      direction: r.direction,
      peer: describePeer(r.peer),
      ports: r.ports.map(portText).join(", "),
      connections: r.evidence.flows,
      ...(r.synthetic
        ? { synthetic: "added by --allow-dns, not observed" }
        : { firstSeen: isoSeconds(r.evidence.firstSeen), newestFirstSeen: isoSeconds(r.evidence.lastSeen) }),
      rows: counts.get(r.id) ?? 0,
    })),
    rows: rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0)),
    warnings: gen.result.warnings.filter(mine).map((w) => w.message),
  };
}
