// What the review shows for each generated rule, computed once from the generation result. Pure.

import type { ClusterIndex } from "../model/cluster.ts";
import { describePeer, fmtLabels, isoSeconds, portText, workloadKey, workloadLabel } from "../model/keys.ts";
import type { RenderedObject } from "../model/rendered.ts";
import { matches } from "../model/selector.ts";
import type { Rule, Warning, WorkloadPolicy } from "../model/types.ts";
import type { ReviewRule } from "./state.ts";
import type { ReviewStep } from "./widening.ts";

const MARK = "▶ ";
const PAD = "  ";

/** The marked lines with a little context, so the rule is in view without scrolling; the whole file otherwise. */
export function yamlExcerpt(lines: string[], context = 2): string[] {
  const first = lines.findIndex((l) => l.startsWith(MARK));
  if (first < 0) return lines;
  const last = lines.findLastIndex((l) => l.startsWith(MARK));
  const from = Math.max(0, first - context);
  const to = Math.min(lines.length, last + context + 1);
  return [...(from > 0 ? [`${PAD}…`] : []), ...lines.slice(from, to), ...(to < lines.length ? [`${PAD}…`] : [])];
}

/** The policy's YAML with the given (zero-based, inclusive) line ranges marked. */
export function markedYaml(yaml: string, ranges: [number, number][]): string[] {
  return yaml.split("\n").map((line, i) => (ranges.some(([a, b]) => i >= a && i <= b) ? MARK : PAD) + line);
}

function peerLines(r: Rule, index: ClusterIndex, policyNs: string): string[] {
  const p = r.peer;
  switch (p.kind) {
    case "workload": {
      const now = [...index.podsByName.values()]
        .filter((x) => x.live && x.namespace === p.workload.namespace && matches(p.selector, x.labels, p.absent))
        .map((x) => x.name)
        .sort();
      return [
        `kind:      ${p.role === "dns" ? "cluster DNS, " : ""}${p.workload.kind} ${p.workload.name}`,
        `namespace: ${p.workload.namespace}${p.workload.namespace === policyNs ? " (same as the policy)" : ""}`,
        `selector:  ${fmtLabels(p.selector, p.absent)}${p.absent ? " (by absent labels: any future unlabeled pod matches)" : ""}`,
        `matches:   ${now.length} pod(s) now${now.length ? `: ${now.slice(0, 4).join(", ")}${now.length > 4 ? ` +${now.length - 4}` : ""}` : ""}`,
      ];
    }
    case "apiserver":
      return ["kind:      Kubernetes API server", `addresses: ${p.cidrs.join(", ")}`];
    case "node":
      return [`kind:      node ${p.node || "(unknown)"} or a host-network pod on it`, `address:   ${p.cidr}`];
    case "external":
      return ["kind:      outside the cluster", `address:   ${p.cidr}`];
    case "fqdn":
      return ["kind:      outside the cluster, by name", `names:     ${p.names.join(", ")}`, `addresses: ${p.cidrs.join(", ")}`];
    case "namespace":
      return [
        `kind:      ${p.workloads ? "workloads" : "every pod"} of namespace ${p.namespace} (widened)`,
        ...(p.workloads ? [`workloads: ${p.workloads.map((m) => `${m.workload.kind.toLowerCase()}/${m.workload.name}`).join(", ")}`] : []),
      ];
    case "any-pod":
      return ["kind:      every pod of every namespace (widened)"];
  }
}

/**
 * `yamlOf` renders an object; `linesOf` says where each of its rules is in that text (output/yaml's
 * ruleLines, passed in: the review only shows model data).
 */
export function reviewRules(
  policies: WorkloadPolicy[],
  objects: RenderedObject[],
  yamlOf: (o: RenderedObject) => string,
  linesOf: (o: RenderedObject, text: string) => Map<string, [number, number][]>,
  index: ClusterIndex,
  warnings: Warning[],
  /** Each rule's widening steps (policy/widen's ladders), by rule id. */
  ladders: ReadonlyMap<string, { peer: ReviewStep[]; ports: ReviewStep | null; suggestion: ReviewRule["suggestion"] }> = new Map(),
): ReviewRule[] {
  const yamlById = new Map<string, string[]>();
  for (const o of objects) {
    const text = yamlOf(o);
    for (const [id, ranges] of linesOf(o, text)) yamlById.set(id, markedYaml(text, ranges));
  }
  const out: ReviewRule[] = [];
  for (const p of policies) {
    const key = workloadKey(p.workload);
    // The workload's own warnings (by subject), and those about one of its rules on that rule only.
    const mine = warnings.filter((w) => w.workload !== undefined && workloadKey(w.workload) === key);
    const policyWarnings = mine.filter((w) => w.ruleId === undefined).map((w) => w.message);
    for (const r of [...p.egress, ...p.ingress]) {
      const e = r.evidence;
      const ruleWarnings = [...policyWarnings, ...mine.filter((w) => w.ruleId === r.id).map((w) => w.message)];
      if (!r.synthetic && e.flows === 1) ruleWarnings.push("one connection only: it may be a one-off (probe, migration, scan)");
      out.push({
        id: r.id,
        workloadKey: key,
        workload: workloadLabel(p.workload),
        direction: r.direction,
        peer: describePeer(r.peer),
        ports: r.ports.map(portText).join(", "),
        peerDetail: peerLines(r, index, p.workload.namespace),
        evidence: r.synthetic
          ? ["added by --allow-dns: no lookup was observed, but a policy without DNS breaks name resolution"]
          : [
              `connections: ${e.flows} (distinct; the broker keeps one row per connection)`,
              `first seen:  ${isoSeconds(e.firstSeen)}`,
              `newest:      ${isoSeconds(e.lastSeen)} (first sighting of the newest; no last use is recorded)`,
              `seen by:     ${e.pods.slice(0, 4).join(", ")}${e.pods.length > 4 ? ` +${e.pods.length - 4} more` : ""}`,
            ],
        warnings: ruleWarnings,
        yaml: yamlById.get(r.id) ?? [],
        flows: e.flows,
        ladder: ladders.get(r.id)?.peer ?? [],
        portStep: ladders.get(r.id)?.ports ?? null,
        suggestion: ladders.get(r.id)?.suggestion ?? null,
        ...(r.widened ? { widened: r.widened.label } : {}),
      });
      out.push(...pathItems(r, key, workloadLabel(p.workload), yamlById.get(r.id) ?? []));
    }
  }
  return out;
}

/** Each path rule under an L4 rule, right after it: accepted or rejected on its own, by its own id. */
function pathItems(r: Rule, workloadKey: string, workload: string, yaml: string[]): ReviewRule[] {
  const MAX = 8;
  return (r.http?.rules ?? []).map((h) => ({
    id: h.id,
    workloadKey,
    workload,
    direction: r.direction,
    peer: `  └ ${h.method} ${h.path}`,
    ports: `${h.port}/TCP`,
    peerDetail: [
      `path rule: ${h.method} ${h.path} (Cilium rules.http; Envoy answers 403 to requests no path rule admits)`,
      `under:     ${r.id} (${describePeer(r.peer)})`,
      ...(h.generalised ? [`generalised: ${h.generalised}`] : []),
    ],
    evidence: [
      `requests:  ${h.requests} (per client address, method and path)`,
      `paths:     ${h.observed.length} observed`,
      ...h.observed.slice(0, MAX).map((o) => `  ${o}`),
      ...(h.observed.length > MAX ? [`  +${h.observed.length - MAX} more`] : []),
    ],
    warnings: ["rejecting every path rule of a port takes the port out of its rule: no request on it is allowed"],
    yaml,
    flows: h.requests,
    ladder: [],
    portStep: null,
    suggestion: null,
  }));
}
