// The decisions file: accept or reject per stable rule id, with who decided and when. A re-run applies
// it and reviews only new or changed rules; in CI it decides alone.
import { parse, stringify } from "yaml";
import type { WorkloadPolicy } from "../model/types.ts";
import type { ReviewRule } from "./state.ts";

export const DECISIONS_API = "guardian.kubectl.io/v1alpha1";
export const DECISIONS_KIND = "Decisions";

export interface DecisionRecord {
  decision: "accept" | "reject";
  workload: string;
  rule: string;
  by: string;
  at: string;
}

export interface DecisionsFile {
  decisions: Record<string, DecisionRecord>;
  /** Workloads chosen to get no policy. */
  skipped: string[];
}

export class DecisionsError extends Error {}

export function parseDecisions(text: string, source: string): DecisionsFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new DecisionsError(`${source} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const d = doc as { apiVersion?: string; kind?: string; decisions?: Record<string, DecisionRecord>; skipped?: string[] } | null;
  if (d?.apiVersion !== DECISIONS_API || d.kind !== DECISIONS_KIND)
    throw new DecisionsError(`${source} is not a ${DECISIONS_KIND} ${DECISIONS_API} file`);
  const decisions: Record<string, DecisionRecord> = {};
  for (const [id, r] of Object.entries(d.decisions ?? {})) {
    if (r?.decision !== "accept" && r?.decision !== "reject")
      throw new DecisionsError(`${source}: decision for ${id} must be accept or reject`);
    decisions[id] = r;
  }
  return { decisions, skipped: Array.isArray(d.skipped) ? d.skipped.map(String) : [] };
}

/** Sorted by rule id, so the file diffs cleanly in git. */
export function serializeDecisions(f: DecisionsFile): string {
  const decisions: Record<string, DecisionRecord> = {};
  for (const id of Object.keys(f.decisions).sort()) decisions[id] = f.decisions[id] as DecisionRecord;
  return stringify(
    { apiVersion: DECISIONS_API, kind: DECISIONS_KIND, skipped: [...new Set(f.skipped)].sort(), decisions },
    { lineWidth: 0 },
  );
}

export const ruleSummary = (r: ReviewRule) => `${r.direction} ${r.direction === "egress" ? "to" : "from"} ${r.peer} on ${r.ports}`;

/** Records this run's decisions on top of the earlier ones; ids not in this run keep their record. */
export function recordDecisions(
  before: DecisionsFile,
  rules: ReviewRule[],
  decisions: Record<string, "accepted" | "rejected" | "pending">,
  skipped: string[],
  who: string,
  when: string,
): DecisionsFile {
  const out: Record<string, DecisionRecord> = { ...before.decisions };
  for (const r of rules) {
    const d = decisions[r.id];
    if (d === "pending" || d === undefined) continue;
    const decision = d === "accepted" ? "accept" : "reject";
    if (out[r.id]?.decision === decision) continue; // unchanged: keep who decided first
    out[r.id] = { decision, workload: r.workload, rule: ruleSummary(r), by: who, at: when };
  }
  return { decisions: out, skipped };
}

/** Keeps only accepted rules, and no policy for skipped workloads; a rejected rule's traffic stays denied. */
export function keepAccepted(
  policies: WorkloadPolicy[],
  accepted: (id: string) => boolean,
  skipped: Set<string>,
  key: (p: WorkloadPolicy) => string,
): WorkloadPolicy[] {
  return policies
    .filter((p) => !skipped.has(key(p)))
    .map((p) => ({ ...p, ingress: p.ingress.filter((r) => accepted(r.id)), egress: p.egress.filter((r) => accepted(r.id)) }));
}
