// What the review shows for each generated rule, computed once from the generation result. Pure.

import type { ClusterIndex } from "../model/cluster.ts";
import { describePeer, fmtLabels, isoSeconds, workloadKey, workloadLabel } from "../model/keys.ts";
import type { RenderedObject } from "../model/rendered.ts";
import { matches } from "../model/selector.ts";
import type { Rule, Warning, WorkloadPolicy } from "../model/types.ts";
import type { ReviewRule } from "./state.ts";

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

/** The policy's YAML with the lines of one rule's peer entries (its comment and the items after it) marked. */
export function markedYaml(yaml: string, ruleId: string): string[] {
  let inRule = false;
  let at = -1;
  return yaml.split("\n").map((line) => {
    const text = line.trimStart();
    const indent = line.length - text.length;
    if (text.startsWith(`# ${ruleId}:`)) {
      inRule = true;
      at = indent;
      return MARK + line;
    }
    if (inRule && (indent > at || (indent === at && text.startsWith("- ")))) return MARK + line;
    inRule = false;
    return PAD + line;
  });
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
  }
}

export function reviewRules(
  policies: WorkloadPolicy[],
  objects: RenderedObject[],
  yamlOf: (o: RenderedObject) => string,
  index: ClusterIndex,
  warnings: Warning[],
): ReviewRule[] {
  const yamlById = new Map<string, string>();
  for (const o of objects) {
    const text = yamlOf(o);
    for (const id of o.ruleIds) yamlById.set(id, text);
  }
  const out: ReviewRule[] = [];
  for (const p of policies) {
    const label = workloadLabel(p.workload);
    // The workload's own warnings, and observed flows of it that the generated set would deny.
    const mine = (m: string) =>
      m.startsWith(`${label}:`) ||
      m.startsWith(`${label} `) ||
      (m.startsWith("observed ") && (m.includes(` ${label} `) || m.includes(` ${label} (`)));
    const policyWarnings = warnings.filter((w) => mine(w.message)).map((w) => w.message);
    for (const r of [...p.egress, ...p.ingress]) {
      const e = r.evidence;
      const ruleWarnings = [...policyWarnings];
      if (!r.synthetic && e.flows === 1) ruleWarnings.push("seen only once: a single flow may be a one-off (probe, migration, scan)");
      out.push({
        id: r.id,
        workloadKey: workloadKey(p.workload),
        workload: label,
        direction: r.direction,
        peer: describePeer(r.peer),
        ports: r.ports.map((x) => `${x.port}/${x.protocol}`).join(", "),
        peerDetail: peerLines(r, index, p.workload.namespace),
        evidence: r.synthetic
          ? ["added by --allow-dns: no lookup was observed, but a policy without DNS breaks name resolution"]
          : [
              `flows:      ${e.flows}`,
              `first seen: ${isoSeconds(e.firstSeen)}`,
              `last seen:  ${isoSeconds(e.lastSeen)}`,
              `seen by:    ${e.pods.slice(0, 4).join(", ")}${e.pods.length > 4 ? ` +${e.pods.length - 4} more` : ""}`,
            ],
        warnings: ruleWarnings,
        yaml: markedYaml(yamlById.get(r.id) ?? "", r.id),
        flows: e.flows,
      });
    }
  }
  return out;
}
