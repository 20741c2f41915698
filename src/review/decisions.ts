// The decisions file: accept or reject per stable rule id, with who decided and when. A re-run applies
// it and reviews only new or changed rules; in CI it decides alone.
import ipaddr from "ipaddr.js";
import { parse, stringify } from "yaml";
import { z } from "zod";
import type { Rule, WidenChoice, WorkloadPolicy } from "../model/types.ts";
import type { ReviewRule } from "./state.ts";

export const DECISIONS_API = "guardian.kubectl.io/v1alpha1";
export const DECISIONS_KIND = "Decisions";

export interface DecisionRecord {
  decision: "accept" | "reject";
  workload: string;
  rule: string;
  by: string;
  at: string;
  /** A person widened the rule: CI replays exactly this peer and these ports. */
  widen?: Omit<WidenChoice, "id">;
}

const cidr = z.string().refine((c) => ipaddr.isValidCIDR(c), "not a CIDR");
const workload = z.object({ kind: z.string().min(1), name: z.string().min(1), namespace: z.string().min(1) }).strict();
const WidenSchema = z
  .object({
    step: z.string().min(1),
    label: z.string(),
    beyond: z.array(z.string()),
    target: z.string().min(1),
    direction: z.enum(["ingress", "egress"]),
    peer: z
      .discriminatedUnion("kind", [
        z.object({ kind: z.literal("external"), cidr, except: z.array(cidr).optional() }).strict(),
        z
          .object({
            kind: z.literal("namespace"),
            namespace: z.string().min(1),
            workloads: z
              .array(z.object({ workload, selector: z.record(z.string(), z.string()), absent: z.array(z.string()).optional() }).strict())
              .optional(),
          })
          .strict(),
        z.object({ kind: z.literal("any-pod") }).strict(),
      ])
      .optional(),
    ports: z
      .array(
        z
          .object({
            port: z.number().int().min(1).max(65535),
            endPort: z.number().int().min(1).max(65535).optional(),
            protocol: z.enum(["TCP", "UDP", "SCTP"]),
          })
          .strict(),
      )
      .min(1)
      .optional(),
  })
  .strict();

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
    if (r.widen !== undefined) {
      const w = WidenSchema.safeParse(r.widen);
      if (!w.success) {
        const i = w.error.issues[0];
        throw new DecisionsError(`${source}: widening of ${id} is not valid (${i?.path.join(".") || "widen"}: ${i?.message})`);
      }
      if (r.decision !== "accept") throw new DecisionsError(`${source}: ${id} is widened, so its decision must be accept`);
    }
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
function withoutId(w: WidenChoice): Omit<WidenChoice, "id"> {
  const { id: _, ...rest } = w;
  return rest;
}

export function recordDecisions(
  before: DecisionsFile,
  rules: ReviewRule[],
  decisions: Record<string, "accepted" | "rejected" | "pending">,
  skipped: string[],
  who: string,
  when: string,
  /** This run's widenings by rule id: a choice, or null for a rule that is exact now. */
  widenings: ReadonlyMap<string, WidenChoice | null> = new Map(),
): DecisionsFile {
  const out: Record<string, DecisionRecord> = { ...before.decisions };
  for (const r of rules) {
    const d = decisions[r.id];
    if (d === "pending" || d === undefined) continue;
    const decision = d === "accepted" ? "accept" : "reject";
    const w = decision === "accept" ? widenings.get(r.id) : null;
    const prev = out[r.id];
    // undefined: this run did not show the rule's widening, so the recorded one stands; null: exact now.
    const widen = w === undefined ? prev?.widen : w === null ? undefined : withoutId(w);
    const next: DecisionRecord = { decision, workload: r.workload, rule: ruleSummary(r), by: who, at: when, ...(widen ? { widen } : {}) };
    // Unchanged: keep who decided first.
    if (prev?.decision === decision && JSON.stringify(prev.widen ?? null) === JSON.stringify(widen ?? null)) continue;
    out[r.id] = next;
  }
  return { decisions: out, skipped };
}

/** The recorded widenings, as choices to apply. */
export const recordedWidenings = (f: DecisionsFile | null): WidenChoice[] =>
  Object.entries(f?.decisions ?? {}).flatMap(([id, r]) => (r.widen ? [{ id, ...r.widen }] : []));

/** Keeps only accepted rules, and no policy for skipped workloads; a rejected rule's traffic stays denied. */
export function keepAccepted(
  policies: WorkloadPolicy[],
  accepted: (id: string) => boolean,
  skipped: Set<string>,
  key: (p: WorkloadPolicy) => string,
): WorkloadPolicy[] {
  const keep = (rules: Rule[]) => rules.filter((r) => accepted(r.id)).flatMap((r) => withAcceptedPaths(r, accepted));
  return policies.filter((p) => !skipped.has(key(p))).map((p) => ({ ...p, ingress: keep(p.ingress), egress: keep(p.egress) }));
}

/**
 * A rule with only its accepted path rules; a port whose path rules were all rejected leaves the rule
 * (no request on it is allowed), and a rule left without ports is gone.
 */
function withAcceptedPaths(r: Rule, accepted: (id: string) => boolean): Rule[] {
  const h = r.http;
  if (!h || h.rules.length === 0) return [r];
  const rules = h.rules.filter((x) => accepted(x.id));
  const emptied = new Set(h.rules.map((x) => x.port).filter((port) => !rules.some((x) => x.port === port)));
  const ports = r.ports.filter((p) => !(p.protocol === "TCP" && emptied.has(p.port)));
  if (ports.length === 0) return [];
  return [{ ...r, ports, http: { ...h, rules } }];
}
