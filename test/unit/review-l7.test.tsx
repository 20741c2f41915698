// The review on L7 evidence: each path rule under its L4 rule, with the paths it covers; rejected on
// its own with the same keys, and the decision is the path rule's own.
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { ruleLines, toYaml } from "../../src/output/yaml.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { App } from "../../src/review/App.tsx";
import { reviewRules } from "../../src/review/items.ts";
import { initialState, type ReviewState } from "../../src/review/state.ts";
import { offlineInventory } from "../../src/sources/hubble/flows.ts";
import { defaults } from "../support/generate.ts";
import { l7World } from "../support/hubble.ts";
import { press, tick } from "../support/review.ts";

describe("review of path rules", () => {
  it("shows them under their L4 rule with the observed paths; r rejects one, w writes its own decision", async () => {
    const { h, data } = l7World();
    const g = generate(offlineInventory(h), data, { ...defaults, type: "cilium", scope: { kind: "all" } });
    const items = reviewRules(g.result.policies, g.objects, toYaml, ruleLines, g.index, g.result.warnings);
    let done: ReviewState | null = null;
    const app = render(
      <App
        initial={initialState(items, {})}
        title="t"
        writeVerb="write"
        color={false}
        onDone={(s) => (done = s)}
        size={{ columns: 120, rows: 40 }}
      />,
    );
    await tick();
    const at = items.findIndex((i) => i.peer.includes("GET ^/product"));
    await press(app.stdin, ...Array.from({ length: at }, () => "j"));
    const f = app.lastFrame() ?? "";
    expect(f).toContain("> [ ]   └ GET ^/product/[0-9]+");
    expect(f).toContain("/product/456?ref=home");
    expect(f).toContain("path rule: GET ^/product/[0-9]+(\\?.*)?$");
    await press(app.stdin, "r", "w", "y");
    const s = done as ReviewState | null;
    expect(s?.decisions[items[at]?.id as string]).toBe("rejected");
    // The L4 rule above it is a decision of its own, still to take.
    expect(s?.decisions[items[at - 1]?.id as string]).toBe("pending");
  });
});
