// Label selectors: which labels are stable enough to select by, and one implementation of matching.
import type { Labels } from "./types.ts";

// Labels that change with every rollout, replica or run; a selector on them breaks after the next rollout.
const VOLATILE = new Set([
  "pod-template-hash",
  "controller-revision-hash",
  "pod-template-generation",
  "statefulset.kubernetes.io/pod-name",
  "apps.kubernetes.io/pod-index",
  "controller-uid",
  "batch.kubernetes.io/controller-uid",
  "batch.kubernetes.io/job-completion-index",
]);
// Job names of CronJob runs change every run.
const CRONJOB_RUN = new Set(["job-name", "batch.kubernetes.io/job-name"]);

export function stableLabels(labels: Labels, ownerKind?: string): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) {
    if (VOLATILE.has(k)) continue;
    if (ownerKind === "CronJob" && CRONJOB_RUN.has(k)) continue;
    out[k] = labels[k] as string;
  }
  return out;
}

/** A Kubernetes label selector as policies write it (Cilium's keys carry a source prefix first). */
export interface SelectorLike {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function requirementHolds(e: { key: string; operator: string; values?: string[] }, labels: Labels): boolean {
  const present = Object.hasOwn(labels, e.key);
  if (e.operator === "Exists") return present;
  if (e.operator === "DoesNotExist") return !present;
  const inValues = present && (e.values ?? []).includes(labels[e.key] as string);
  return e.operator === "In" ? inValues : e.operator === "NotIn" ? !inValues : false;
}

/** Kubernetes' selector semantics: every matchLabels pair and every requirement; absent selects all. */
export function selectorMatches(sel: SelectorLike | undefined, labels: Labels): boolean {
  if (!sel) return true;
  if (sel.matchLabels) for (const k in sel.matchLabels) if (labels[k] !== sel.matchLabels[k]) return false;
  for (const e of sel.matchExpressions ?? []) if (!requirementHolds(e, labels)) return false;
  return true;
}

/**
 * The generator's selectors: matchLabels, plus DoesNotExist for each key in `absent` (a workload
 * without usable labels). The same semantics as selectorMatches, without building a selector per call.
 */
export function matches(selector: Labels, labels: Labels, absent?: readonly string[]): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  if (absent) for (const k of absent) if (!requirementHolds({ key: k, operator: "DoesNotExist" }, labels)) return false;
  return true;
}

export function isEmpty(labels: Labels | null | undefined): boolean {
  return !labels || Object.keys(labels).length === 0;
}

export type Requirement = { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] };

export class SelectorSyntaxError extends Error {}

/** Splits at top-level commas: `a in (x,y),b` is two requirements. */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

/** kubectl's -l syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, joined by commas. */
export function parseSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const part of splitTop(text)) {
    if (part === "") throw new SelectorSyntaxError(`empty requirement in selector "${text}"`);
    const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(part);
    let r: Requirement;
    if (set) {
      const values = (set[3] as string).split(",").map((v) => v.trim());
      r = { key: set[1] as string, operator: set[2] === "in" ? "In" : "NotIn", values };
    } else if (eq) r = { key: eq[1] as string, operator: eq[2] === "!=" ? "NotIn" : "In", values: [eq[3] as string] };
    else if (part.startsWith("!")) r = { key: part.slice(1).trim(), operator: "DoesNotExist" };
    else r = { key: part, operator: "Exists" };
    if (!KEY.test(r.key))
      throw new SelectorSyntaxError(`"${part}" is not a label requirement (use key=value, key!=value, key in (a,b), key or !key)`);
    out.push(r);
  }
  return out;
}

/** Back to kubectl's syntax, for messages. */
export function formatSelector(reqs: Requirement[]): string {
  return reqs
    .map((r) => {
      const v = r.values ?? [];
      if (r.operator === "Exists") return r.key;
      if (r.operator === "DoesNotExist") return `!${r.key}`;
      if (v.length === 1) return `${r.key}${r.operator === "In" ? "=" : "!="}${v[0]}`;
      return `${r.key} ${r.operator === "In" ? "in" : "notin"} (${v.join(",")})`;
    })
    .join(",");
}
