// The review's state and a pure reducer over it: every key the TUI handles is an action here, so tests
// drive the review without a terminal.
import type { Direction } from "../model/types.ts";
import { coveredBy, type ReviewStep, widenReduce } from "./widening.ts";

export type Decision = "accepted" | "rejected" | "pending";

export interface ReviewRule {
  id: string;
  workloadKey: string;
  /** "deployment shop/web" */
  workload: string;
  direction: Direction;
  /** One line, e.g. "deployment shop/api". */
  peer: string;
  ports: string;
  /** Lines for the detail pane. */
  peerDetail: string[];
  evidence: string[];
  warnings: string[];
  /** The policy YAML with this rule's lines marked. */
  yaml: string[];
  flows: number;
  /** Widening steps of the peer, narrowest first (step 0, the exact rule, is not listed). */
  ladder: ReviewStep[];
  portStep: ReviewStep | null;
  /** The step the data suggests (1-based into ladder), and why. */
  suggestion: { step: number; reason: string } | null;
  /** Already widened by a recorded decision whose exact rule is not in this run: its label. */
  widened?: string;
}

export type Mode = "list" | "filter" | "help" | "yaml" | "confirm-write" | "confirm-quit";

export interface ReviewState {
  rules: ReviewRule[];
  decisions: Record<string, Decision>;
  /** The widening step each rule is at (0 or absent: exact), and whether its ports are widened to a range. */
  widen: Record<string, number>;
  portRange: Record<string, boolean>;
  /** Workloads the user chose to leave without a policy (x). */
  skipped: string[];
  /** Rules that had a recorded decision when the review opened; hidden unless showAll. */
  recorded: string[];
  showAll: boolean;
  filter: string;
  mode: Mode;
  pane: "list" | "detail";
  /** Index into visible(). */
  cursor: number;
  /** Scroll offset of the detail pane. */
  detailScroll: number;
  dirty: boolean;
  done: null | "write" | "quit";
  /** Quit by Ctrl-C: the run ends as interrupted (exit 130). */
  interrupted: boolean;
}

export type Action =
  | { type: "move"; by: number }
  | { type: "home" }
  | { type: "end" }
  | { type: "toggle" }
  | { type: "decide"; decision: "accepted" | "rejected" }
  | { type: "decide-workload"; decision: "accepted" | "rejected" }
  | { type: "skip-workload" }
  | { type: "filter-start" }
  | { type: "filter-input"; text: string }
  | { type: "filter-backspace" }
  | { type: "filter-done" }
  | { type: "tab" }
  | { type: "yaml" }
  | { type: "help" }
  | { type: "esc" }
  | { type: "show-all" }
  | { type: "write" }
  | { type: "quit"; interrupt?: boolean }
  | { type: "confirm"; yes: boolean }
  | { type: "widen" }
  | { type: "narrow" }
  | { type: "ports" }
  | { type: "suggested" };

/** `widen`: recorded widenings (step per rule id, port range); `settled`: rules a recorded widening covers. */
export function initialState(
  rules: ReviewRule[],
  recorded: Record<string, "accepted" | "rejected">,
  widened: { widen?: Record<string, number>; portRange?: Record<string, boolean>; settled?: Set<string> } = {},
): ReviewState {
  const decisions: Record<string, Decision> = {};
  for (const r of rules) decisions[r.id] = recorded[r.id] ?? "pending";
  const known = rules.filter((r) => recorded[r.id] || widened.settled?.has(r.id)).map((r) => r.id);
  return {
    rules,
    decisions,
    widen: widened.widen ?? {},
    portRange: widened.portRange ?? {},
    skipped: [],
    recorded: known,
    showAll: known.length === 0,
    filter: "",
    mode: "list",
    pane: "list",
    cursor: 0,
    detailScroll: 0,
    dirty: false,
    done: null,
    interrupted: false,
  };
}

/** Indices of the rules the list shows: new or changed ones (unless showAll), matching the filter. */
export function visible(s: ReviewState): number[] {
  const recorded = new Set(s.recorded);
  const f = s.filter.trim().toLowerCase();
  const out: number[] = [];
  s.rules.forEach((r, i) => {
    if (!s.showAll && recorded.has(r.id)) return;
    if (f && !`${r.workload} ${r.direction} ${r.peer} ${r.ports}`.toLowerCase().includes(f)) return;
    out.push(i);
  });
  return out;
}

export function selected(s: ReviewState): ReviewRule | undefined {
  const v = visible(s);
  const i = v[Math.min(s.cursor, v.length - 1)];
  return i === undefined ? undefined : s.rules[i];
}

export function counts(s: ReviewState): { accepted: number; rejected: number; pending: number; skipped: number } {
  const skipped = new Set(s.skipped);
  const c = { accepted: 0, rejected: 0, pending: 0, skipped: 0 };
  for (const r of s.rules) {
    if (skipped.has(r.workloadKey)) c.skipped++;
    // Admitted by another rule's widening: allowed whatever its own decision.
    else if (coveredBy(s, r.id)) c.accepted++;
    else c[s.decisions[r.id] ?? "pending"]++;
  }
  return c;
}

const clamp = (s: ReviewState, cursor: number): ReviewState => {
  const n = visible(s).length;
  return { ...s, cursor: Math.max(0, Math.min(cursor, n - 1)), detailScroll: 0 };
};

function decide(s: ReviewState, ids: string[], decision: Decision): ReviewState {
  const decisions = { ...s.decisions };
  for (const id of ids) decisions[id] = decision;
  return { ...s, decisions, dirty: true };
}

/** The overlays and the filter line take every key while open; null when the list has them. */
function modal(s: ReviewState, a: Action): ReviewState | null {
  if (s.mode === "confirm-write" || s.mode === "confirm-quit") {
    if (a.type === "confirm") return a.yes ? { ...s, done: s.mode === "confirm-write" ? "write" : "quit" } : { ...s, mode: "list" };
    if (a.type === "esc") return { ...s, mode: "list" };
    return s;
  }
  if (s.mode === "filter") {
    switch (a.type) {
      case "filter-input":
        return clamp({ ...s, filter: s.filter + a.text }, 0);
      case "filter-backspace":
        return clamp({ ...s, filter: s.filter.slice(0, -1) }, 0);
      case "filter-done":
        return { ...s, mode: "list" };
      case "esc":
        return clamp({ ...s, mode: "list", filter: "" }, 0);
      default:
        return s;
    }
  }
  if (s.mode === "help" || s.mode === "yaml") {
    if (a.type === "esc" || a.type === "help" || a.type === "yaml" || a.type === "quit") return { ...s, mode: "list" };
    if (a.type === "move" && s.mode === "yaml") return { ...s, detailScroll: Math.max(0, s.detailScroll + a.by) };
    return s;
  }
  return null;
}

export function reduce(s: ReviewState, a: Action): ReviewState {
  const m = modal(s, a);
  if (m) return m;
  const cur = selected(s);
  switch (a.type) {
    case "move":
      if (s.pane === "detail") return { ...s, detailScroll: Math.max(0, s.detailScroll + a.by) };
      return clamp(s, s.cursor + a.by);
    case "home":
      return clamp(s, 0);
    case "end":
      return clamp(s, visible(s).length - 1);
    case "toggle":
      if (!cur) return s;
      return decide(s, [cur.id], s.decisions[cur.id] === "accepted" ? "rejected" : "accepted");
    case "decide":
      if (!cur) return s;
      // Deciding moves on, as in a mail client: the next rule is usually the next question.
      return clamp(decide(s, [cur.id], a.decision), s.cursor + 1);
    case "decide-workload":
      if (!cur) return s;
      return decide(
        s,
        s.rules.filter((r) => r.workloadKey === cur.workloadKey).map((r) => r.id),
        a.decision,
      );
    case "skip-workload": {
      if (!cur) return s;
      const skipped = s.skipped.includes(cur.workloadKey)
        ? s.skipped.filter((k) => k !== cur.workloadKey)
        : [...s.skipped, cur.workloadKey];
      return { ...s, skipped, dirty: true };
    }
    case "filter-start":
      return { ...s, mode: "filter" };
    case "tab":
      return { ...s, pane: s.pane === "list" ? "detail" : "list" };
    case "yaml":
      return cur ? { ...s, mode: "yaml", detailScroll: 0 } : s;
    case "help":
      return { ...s, mode: "help" };
    case "esc":
      if (s.pane === "detail") return { ...s, pane: "list" };
      if (s.filter) return clamp({ ...s, filter: "" }, 0);
      return s;
    case "widen":
    case "narrow":
    case "ports":
    case "suggested":
      return cur ? widenReduce(s, cur, a.type) : s;
    case "show-all":
      return clamp({ ...s, showAll: !s.showAll }, 0);
    case "write":
      return { ...s, mode: "confirm-write" };
    case "quit":
      return s.dirty
        ? { ...s, mode: "confirm-quit", interrupted: a.interrupt === true }
        : { ...s, done: "quit", interrupted: a.interrupt === true };
    default:
      return s;
  }
}

export { type KeyInfo, keyToAction } from "./keys.ts";
