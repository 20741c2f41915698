// Keys to actions, in k9s and less habits; the reducer in state.ts does the rest.
import type { Action, Mode } from "./state.ts";

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
    case "+":
    case "=":
      return { type: "widen" };
    case "-":
      return { type: "narrow" };
    case "p":
      return { type: "ports" };
    case "S":
      return { type: "suggested" };
    default:
      return null;
  }
}
