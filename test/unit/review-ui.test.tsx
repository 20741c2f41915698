import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { App } from "../../src/review/App.tsx";
import { initialState, type ReviewState } from "../../src/review/state.ts";
import { press, rules } from "../support/review.ts";

function mount(n = 6, size = { columns: 80, rows: 24 }, recorded: Record<string, "accepted" | "rejected"> = {}) {
  let done: ReviewState | null = null;
  const app = render(
    <App
      initial={initialState(rules(n), recorded)}
      title="review · test"
      writeVerb="write"
      color={false}
      onDone={(s) => (done = s)}
      size={size}
    />,
  );
  return { ...app, done: () => done };
}

describe("review UI", () => {
  it("fits 80×24: header with counts, grouped list, detail, footer with keys", () => {
    const { lastFrame } = mount();
    const f = lastFrame() ?? "";
    const lines = f.split("\n");
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(lines[0]).toContain("✓ 0  ✗ 0  ? 6");
    expect(f).toContain("deployment shop/w0");
    expect(f).toContain("egress");
    expect(f).toContain("> [ ] deployment shop/peer0  8000/TCP");
    expect(f).toContain("evidence");
    expect(lines.at(-1)).toContain("space toggle");
  });

  it("side by side, the rule's own YAML is in view, not the top of the file", () => {
    const long = rules(6).map((r) => ({
      ...r,
      yaml: [...Array.from({ length: 30 }, (_, i) => `  line ${i}`), `▶ # ${r.id}: the rule`, "▶ - toEndpoints: …", "  tail"],
    }));
    const app = render(
      <App
        initial={initialState(long, {})}
        title="t"
        writeVerb="write"
        color={false}
        onDone={() => {}}
        size={{ columns: 120, rows: 30 }}
      />,
    );
    const f = app.lastFrame() ?? "";
    expect(f).toContain(`▶ # ${long[0]?.id}: the rule`);
    expect(f).not.toContain("line 0");
  });

  it("a accepts and moves on, r rejects; the header counts follow", async () => {
    const { lastFrame, stdin } = mount();
    await press(stdin, "a", "r");
    const f = lastFrame() ?? "";
    expect(f).toContain("✓ 1  ✗ 1  ? 4");
    // rules sort by workload, then direction: the second rule is w0's ingress from peer3.
    expect(f).toContain("[✗] deployment shop/peer3");
    expect(f).toContain("> [ ] deployment shop/peer4");
  });

  it("uses the width it has: list and detail side by side on wide terminals", () => {
    const { lastFrame } = mount(6, { columns: 140, rows: 30 });
    const first = (lastFrame() ?? "").split("\n")[2];
    expect(first).toMatch(/^deployment shop\/w0 {10,}deployment shop\/w0: egress to deployment shop\/peer0$/);
  });

  it("/ filters the list", async () => {
    const { lastFrame, stdin } = mount(9);
    await press(stdin, "/", "8", "0", "0", "4", "\r");
    const f = lastFrame() ?? "";
    expect(f).toContain("filter: 8004");
    expect(f).toContain("peer4");
    expect(f).not.toContain("peer5");
  });

  it("a filter typed or pasted in one chunk, Enter included, ends the filter: the next key acts on the list", async () => {
    const { lastFrame, stdin } = mount(9);
    await press(stdin, "/", "8004\r", "a");
    const f = lastFrame() ?? "";
    expect(f).toContain("filter: 8004");
    expect(f).toContain("[✓] deployment shop/peer4");
  });

  it("on a widenable rule, + shows the step taken and what it admits, and accepts it", async () => {
    const step = { step: "/24", label: "203.0.113.0/24", beyond: ["256 addresses, 1 of them observed"], covers: [] };
    const list = rules(2).map((r, i) => (i === 0 ? { ...r, ladder: [step], suggestion: { step: 1, reason: "the data says so" } } : r));
    const app = render(
      <App
        initial={initialState(list, {})}
        title="t"
        writeVerb="write"
        color={false}
        onDone={() => {}}
        size={{ columns: 140, rows: 40 }}
      />,
    );
    expect(app.lastFrame()).toContain("+ next: 203.0.113.0/24");
    expect(app.lastFrame()).toContain("(S)");
    await press(app.stdin, "+");
    const f = app.lastFrame() ?? "";
    expect(f).toContain("now:    203.0.113.0/24 (widened by you)");
    expect(f).toContain("admits 256 addresses, 1 of them observed");
    expect(f).toContain("+wide");
    expect(f).toContain("✓ 1");
  });

  it("? opens the help overlay and esc closes it", async () => {
    const { lastFrame, stdin } = mount();
    await press(stdin, "?");
    expect(lastFrame()).toContain("Only accepted rules are written");
    await press(stdin, "\u001b");
    await new Promise((r) => setTimeout(r, 60)); // ink waits briefly to tell a lone Esc from an escape sequence
    expect(lastFrame()).not.toContain("Only accepted rules are written");
  });

  it("w asks, y writes: onDone gets the decisions", async () => {
    const app = mount(4);
    await press(app.stdin, "a", "a", "w");
    expect(app.lastFrame()).toContain("Write 2 accepted rule(s) (2 pending rule(s) are left out)? y/n");
    await press(app.stdin, "y");
    const s = app.done();
    expect(s?.done).toBe("write");
    expect(Object.values(s?.decisions ?? {}).filter((d) => d === "accepted")).toHaveLength(2);
  });

  it("q with unsaved decisions asks before quitting", async () => {
    const app = mount(4);
    await press(app.stdin, " ", "q");
    expect(app.lastFrame()).toContain("Quit without saving 1 decision(s)? y/n");
    await press(app.stdin, "n");
    expect(app.done()).toBeNull();
  });

  it("renders only the rows it shows: 2,000 rules still fit the screen", async () => {
    const app = mount(2000, { columns: 100, rows: 30 });
    const f = app.lastFrame() ?? "";
    expect(f.split("\n").length).toBeLessThanOrEqual(30);
    await press(app.stdin, "G");
    expect(app.lastFrame()).toContain("> [ ]");
  });
});
