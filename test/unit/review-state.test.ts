import { describe, expect, it } from "vitest";
import { type Action, counts, initialState, keyToAction, type ReviewState, reduce, selected, visible } from "../../src/review/state.ts";
import { rules } from "../support/review.ts";

const run = (s: ReviewState, ...actions: Action[]) => actions.reduce(reduce, s);

describe("review reducer", () => {
  it("starts with every rule pending and the cursor on the first", () => {
    const s = initialState(rules(6), {});
    expect(counts(s)).toEqual({ accepted: 0, rejected: 0, pending: 6, skipped: 0 });
    expect(selected(s)?.id).toBe(s.rules[0]?.id);
    expect(s.showAll).toBe(true);
  });

  it("moves within bounds; g and G jump to the ends", () => {
    const s = initialState(rules(6), {});
    expect(run(s, { type: "move", by: -3 }).cursor).toBe(0);
    expect(run(s, { type: "move", by: 100 }).cursor).toBe(5);
    expect(run(s, { type: "end" }, { type: "home" }).cursor).toBe(0);
  });

  it("a and r decide and move on; space toggles; A/R decide the whole workload", () => {
    let s = initialState(rules(6), {});
    s = run(s, { type: "decide", decision: "accepted" });
    expect(s.cursor).toBe(1);
    s = run(s, { type: "decide", decision: "rejected" }, { type: "home" }, { type: "toggle" });
    expect(counts(s)).toEqual({ accepted: 0, rejected: 2, pending: 4, skipped: 0 });
    const w = selected(s)?.workloadKey;
    s = run(s, { type: "decide-workload", decision: "accepted" });
    expect(s.rules.filter((r) => r.workloadKey === w).every((r) => s.decisions[r.id] === "accepted")).toBe(true);
    expect(s.dirty).toBe(true);
  });

  it("x skips the workload and x again restores it", () => {
    let s = initialState(rules(6), {});
    s = run(s, { type: "skip-workload" });
    expect(counts(s).skipped).toBe(2);
    expect(run(s, { type: "skip-workload" }).skipped).toEqual([]);
  });

  it("/ filters by workload, peer or port; esc clears", () => {
    let s = initialState(rules(9), {});
    s = run(s, { type: "filter-start" }, ...[..."8004"].map((c) => ({ type: "filter-input", text: c }) as Action), { type: "filter-done" });
    expect(visible(s).map((i) => s.rules[i]?.ports)).toEqual(["8004/TCP"]);
    expect(s.mode).toBe("list");
    s = run(s, { type: "esc" });
    expect(visible(s)).toHaveLength(9);
  });

  it("shows only new rules when decisions were recorded; s shows all", () => {
    const rs = rules(4);
    const s = initialState(rs, { [rs[0]!.id]: "accepted", [rs[1]!.id]: "rejected" });
    expect(visible(s)).toHaveLength(2);
    expect(s.decisions[rs[0]!.id]).toBe("accepted");
    expect(visible(run(s, { type: "show-all" }))).toHaveLength(4);
  });

  it("w asks first; y writes, n goes back", () => {
    const s = run(initialState(rules(3), {}), { type: "write" });
    expect(s.mode).toBe("confirm-write");
    expect(run(s, { type: "confirm", yes: false }).mode).toBe("list");
    expect(run(s, { type: "confirm", yes: true }).done).toBe("write");
  });

  it("q quits at once when nothing was decided, and asks when decisions are unsaved", () => {
    const clean = initialState(rules(3), {});
    expect(run(clean, { type: "quit" }).done).toBe("quit");
    const dirty = run(clean, { type: "toggle" }, { type: "quit" });
    expect(dirty.mode).toBe("confirm-quit");
    expect(dirty.done).toBeNull();
    expect(run(dirty, { type: "confirm", yes: true }).done).toBe("quit");
    expect(run(clean, { type: "quit", interrupt: true }).interrupted).toBe(true);
  });

  it("tab switches panes; in the detail pane j/k scroll it; y and ? open overlays that esc closes", () => {
    let s = run(initialState(rules(3), {}), { type: "tab" }, { type: "move", by: 2 });
    expect(s.pane).toBe("detail");
    expect(s.detailScroll).toBe(2);
    expect(s.cursor).toBe(0);
    s = run(s, { type: "esc" }, { type: "yaml" });
    expect(s.mode).toBe("yaml");
    expect(run(s, { type: "esc" }).mode).toBe("list");
    expect(run(s, { type: "esc" }, { type: "help" }).mode).toBe("help");
  });
});

describe("keys", () => {
  it.each([
    ["j", {}, { type: "move", by: 1 }],
    ["k", {}, { type: "move", by: -1 }],
    ["", { downArrow: true }, { type: "move", by: 1 }],
    ["", { pageDown: true }, { type: "move", by: 10 }],
    ["g", {}, { type: "home" }],
    ["G", {}, { type: "end" }],
    [" ", {}, { type: "toggle" }],
    ["a", {}, { type: "decide", decision: "accepted" }],
    ["R", {}, { type: "decide-workload", decision: "rejected" }],
    ["x", {}, { type: "skip-workload" }],
    ["/", {}, { type: "filter-start" }],
    ["", { tab: true }, { type: "tab" }],
    ["y", {}, { type: "yaml" }],
    ["?", {}, { type: "help" }],
    ["w", {}, { type: "write" }],
    ["q", {}, { type: "quit" }],
    ["c", { ctrl: true }, { type: "quit", interrupt: true }],
    ["", { escape: true }, { type: "esc" }],
  ])("%j %j in the list", (input, key, action) => expect(keyToAction(input, key, "list", 10)).toEqual(action));

  it("typing goes to the filter while filtering; y/n answer a confirmation", () => {
    expect(keyToAction("q", {}, "filter", 10)).toEqual({ type: "filter-input", text: "q" });
    expect(keyToAction("", { return: true }, "filter", 10)).toEqual({ type: "filter-done" });
    expect(keyToAction("y", {}, "confirm-write", 10)).toEqual({ type: "confirm", yes: true });
    expect(keyToAction("j", {}, "confirm-quit", 10)).toBeNull();
  });
});
