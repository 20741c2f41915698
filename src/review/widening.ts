// Widening in the review: the steps a rule offers (computed by policy/widen, shown here as data), which
// step each rule is at, which rules another rule's step covers, and the detail pane's lines for it.
import type { ReviewRule, ReviewState } from "./state.ts";

export interface ReviewStep {
  step: string;
  label: string;
  beyond: string[];
  /** Other rules (ids) this step admits. */
  covers: string[];
}

/** The step a rule is at (0: exact). */
export const stepOf = (s: ReviewState, id: string): number => s.widen[id] ?? 0;

// Per widen state (the reducer makes a new object on change): a frame asks for every visible rule.
const covering = new WeakMap<Record<string, number>, Map<string, ReviewRule>>();

/** The rule whose current step admits this one, if any. */
export function coveredBy(s: ReviewState, id: string): ReviewRule | undefined {
  let map = covering.get(s.widen);
  if (!map) {
    map = new Map();
    const byId = new Map(s.rules.map((r) => [r.id, r]));
    for (const [wid, k] of Object.entries(s.widen)) {
      const r = byId.get(wid);
      if (r && k > 0) for (const c of r.ladder[k - 1]?.covers ?? []) if (c !== wid && !map.has(c)) map.set(c, r);
    }
    covering.set(s.widen, map);
  }
  return map.get(id);
}

type WidenAction = "widen" | "narrow" | "ports" | "suggested";

/** A widening key on the selected rule: the step changes, and widening accepts the rule (a wider allow is still an allow). */
export function widenReduce(s: ReviewState, cur: ReviewRule, a: WidenAction): ReviewState {
  const k = stepOf(s, cur.id);
  let next = k;
  let ports = s.portRange[cur.id] === true;
  if (a === "widen") next = Math.min(cur.ladder.length, k + 1);
  if (a === "narrow") next = Math.max(0, k - 1);
  if (a === "suggested" && cur.suggestion) next = cur.suggestion.step;
  if (a === "ports" && cur.portStep) ports = !ports;
  if (next === k && ports === (s.portRange[cur.id] === true)) return s;
  const widened = next > 0 || ports;
  return {
    ...s,
    widen: { ...s.widen, [cur.id]: next },
    portRange: { ...s.portRange, [cur.id]: ports },
    decisions: widened ? { ...s.decisions, [cur.id]: "accepted" } : s.decisions,
    dirty: true,
  };
}

/** What the selected rule is widened to now, what `+` would admit next, and the data's suggestion. */
export function widenLines(s: ReviewState, r: ReviewRule): string[] {
  const over = coveredBy(s, r.id);
  if (over)
    return ["widening", `  covered by ${over.id}, widened to ${over.ladder[stepOf(s, over.id) - 1]?.label}: nothing to decide here`];
  if (r.widened) return ["widening", `  widened to ${r.widened} (recorded); its exact rules are not in this run's evidence`];
  if (r.ladder.length === 0 && !r.portStep) return [];
  const k = stepOf(s, r.id);
  const now = r.ladder[k - 1];
  const next = r.ladder[k];
  const out = ["widening (+ wider · - narrower · p port range · S take the suggestion)"];
  out.push(`  now:    ${now ? `${now.label} (widened by you)` : "exact: what was observed"}`);
  if (now) for (const b of now.beyond) out.push(`          admits ${b}`);
  if (next) {
    out.push(`  + next: ${next.label}`);
    for (const b of next.beyond) out.push(`          admits ${b}`);
    if (next.covers.length)
      out.push(
        `          covers ${next.covers.length} other rule(s): ${next.covers.slice(0, 3).join(", ")}${next.covers.length > 3 ? " …" : ""}`,
      );
  }
  if (r.portStep)
    out.push(
      `  ports:  ${s.portRange[r.id] ? `${r.portStep.label} (widened by you)` : `exact; p: ${r.portStep.label}, ${r.portStep.beyond[0]}`}`,
    );
  if (r.suggestion) out.push(`  S:      ${r.ladder[r.suggestion.step - 1]?.label} (suggested)`, `          because ${r.suggestion.reason}`);
  return out;
}
