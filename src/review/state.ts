// The review's state and a pure reducer over it: every key the TUI handles is an action here, so tests
// drive the review without a terminal.
import type { Direction } from "../model/types.ts";

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
}

export type Mode = "list" | "filter" | "help" | "yaml" | "confirm-write" | "confirm-quit";

export interface ReviewState {
  rules: ReviewRule[];
  decisions: Record<string, Decision>;
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
  | { type: "confirm"; yes: boolean };

export function initialState(rules: ReviewRule[], recorded: Record<string, "accepted" | "rejected">): ReviewState {
  const decisions: Record<string, Decision> = {};
  for (const r of rules) decisions[r.id] = recorded[r.id] ?? "pending";
  const known = rules.filter((r) => recorded[r.id]).map((r) => r.id);
  return {
    rules,
    decisions,
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

export function reduce(s: ReviewState, a: Action): ReviewState {
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

export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

/** k9s / less habits. */
export function keyToAction(input: string, key: KeyInfo, mode: Mode, page: number): Action | null {
  if (mode === "confirm-write" || mode === "confirm-quit") {
    if (input === "y" || input === "Y") return { type: "confirm", yes: true };
    if (input === "n" || input === "N" || key.escape) return { type: "confirm", yes: false };
    return null;
  }
  if (key.ctrl && input === "c") return { type: "quit", interrupt: true };
  if (mode === "filter") {
    if (key.escape) return { type: "esc" };
    if (key.return) return { type: "filter-done" };
    if (key.backspace || key.delete) return { type: "filter-backspace" };
    if (input && !key.ctrl) return { type: "filter-input", text: input };
    return null;
  }
  if (key.upArrow || input === "k") return { type: "move", by: -1 };
  if (key.downArrow || input === "j") return { type: "move", by: 1 };
  if (key.pageUp || (key.ctrl && input === "b")) return { type: "move", by: -page };
  if (key.pageDown || (key.ctrl && input === "f")) return { type: "move", by: page };
  if (key.home || input === "g") return { type: "home" };
  if (key.end || input === "G") return { type: "end" };
  if (key.escape) return { type: "esc" };
  if (key.tab) return { type: "tab" };
  switch (input) {
    case " ":
      return { type: "toggle" };
    case "a":
      return { type: "decide", decision: "accepted" };
    case "r":
      return { type: "decide", decision: "rejected" };
    case "A":
      return { type: "decide-workload", decision: "accepted" };
    case "R":
      return { type: "decide-workload", decision: "rejected" };
    case "x":
      return { type: "skip-workload" };
    case "/":
      return { type: "filter-start" };
    case "y":
      return { type: "yaml" };
    case "?":
      return { type: "help" };
    case "s":
      return { type: "show-all" };
    case "w":
      return { type: "write" };
    case "q":
      return { type: "quit" };
    default:
      return null;
  }
}
