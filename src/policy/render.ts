// What both renderers share: the evidence comment of a rule, a policy's evidence window, rules grouped by
// ports, label selectors (with DoesNotExist for workloads without labels).

import { describePeer, isoSeconds, portText } from "../model/keys.ts";
import type { LabelSelector } from "../model/rendered.ts";
import type { Evidence, Rule, WorkloadPolicy } from "../model/types.ts";

const MAX_PODS = 3;
const MAX_PATHS = 3;

/** The rule's L7 detail in words: each path rule with the paths it covers (Cilium), or that it is not expressed. */
function httpComment(rule: Rule, type: "kubernetes" | "cilium"): string {
  const h = rule.http;
  if (!h) return "";
  const paths = (o: string[]) => o.slice(0, MAX_PATHS).join(", ") + (o.length > MAX_PATHS ? ` +${o.length - MAX_PATHS} more` : "");
  const parts =
    type === "kubernetes"
      ? h.rules.length > 0
        ? [
            `${h.rules.length} HTTP path rule(s) observed; a NetworkPolicy cannot express L7, so every request on the port is allowed (--type cilium writes them)`,
          ]
        : []
      : h.rules.map(
          (r) => `${r.id} ${r.method} ${r.path} covers ${paths(r.observed)}${r.generalised ? ` (generalised: ${r.generalised})` : ""}`,
        );
  for (const u of h.unexpressed) parts.push(`port ${u.port}: no path rules, ${u.reason}`);
  return parts.length ? `; L7: ${parts.join("; ")}` : "";
}

export function evidenceComment(rule: Rule, type: "kubernetes" | "cilium" = "kubernetes"): string {
  if (rule.synthetic === "dns") return `${rule.id}: DNS, added by --allow-dns (no lookup observed)`;
  const e = rule.evidence;
  const pods = e.pods.slice(0, MAX_PODS).join(", ") + (e.pods.length > MAX_PODS ? ` +${e.pods.length - MAX_PODS} more` : "");
  const base = `${rule.id}: ${describePeer(rule.peer)}; ${connections(e)}; seen by ${pods}${httpComment(rule, type)}`;
  const w = rule.widened;
  // A person chose to admit more than the evidence: the file says so, and what beyond.
  return w ? `${base}; WIDENED by review to ${w.label}: admits beyond the evidence ${w.beyond.join("; ")}` : base;
}

/** "3 connections first seen 2026-05-12T10:00:01Z .. 2026-05-12T10:00:33Z": what the rows hold, no more. */
export function connections(e: Pick<Evidence, "flows" | "firstSeen" | "lastSeen">): string {
  const n = `${e.flows} connection${e.flows === 1 ? "" : "s"}`;
  return e.firstSeen === e.lastSeen
    ? `${n} first seen ${isoSeconds(e.firstSeen)}`
    : `${n} first seen ${isoSeconds(e.firstSeen)} .. ${isoSeconds(e.lastSeen)}`;
}

export function policyEvidence(p: WorkloadPolicy): Evidence | null {
  const observed = [...p.ingress, ...p.egress].filter((r) => !r.synthetic);
  if (observed.length === 0) return null;
  return {
    flows: observed.reduce((n, r) => n + r.evidence.flows, 0),
    firstSeen: Math.min(...observed.map((r) => r.evidence.firstSeen)),
    lastSeen: Math.max(...observed.map((r) => r.evidence.lastSeen)),
    pods: [],
  };
}

/** Groups rules with identical port sets, keeping the first rule's position. */
export function groupByPorts(rules: Rule[]): Rule[][] {
  const groups = new Map<string, Rule[]>();
  for (const r of rules) {
    const k = r.ports.map(portText).join(",");
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()];
}

/** matchLabels, and a DoesNotExist for each absent key (`prefix` for Cilium's `k8s:` source). */
export function labelSelector(l: Record<string, string>, absent: readonly string[] = [], prefix = ""): LabelSelector {
  const out: LabelSelector = {};
  if (Object.keys(l).length > 0 || absent.length === 0) out.matchLabels = sortedLabels(l);
  if (absent.length > 0) out.matchExpressions = absent.map((k) => ({ key: `${prefix}${k}`, operator: "DoesNotExist" as const }));
  return out;
}

export function sortedLabels(l: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(l).sort()) out[k] = l[k] as string;
  return out;
}
