import { describe, expect, it } from "vitest";
import { ruleLines, toYaml } from "../../src/output/yaml.ts";
import { reviewRules, yamlExcerpt } from "../../src/review/items.ts";
import { Cluster } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

describe("what the review shows for a rule", () => {
  function world() {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [db] = c.statefulSet("shop", "db", { app: "db" });
    c.connect(web!, db!, 5432).row(web!, "EGRESS", "1.1.1.1", 443).row(web!, "EGRESS", "1.1.1.1", 443);
    return c;
  }

  it("peer, pods it matches now, ports, evidence, and the policy YAML with the rule marked", () => {
    const r = gen(world());
    const rules = reviewRules(r.result.policies, r.objects, toYaml, ruleLines, r.index, r.result.warnings);
    const toDb = rules.find((x) => x.workload === "deployment shop/web" && x.peer === "statefulset shop/db");
    expect(toDb?.peerDetail).toEqual(expect.arrayContaining(["selector:  app=db", "matches:   1 pod(s) now: db-0"]));
    expect(toDb?.evidence[0]).toBe("connections: 1 (distinct; the broker keeps one row per connection)");
    expect(toDb?.warnings).toContain("one connection only: it may be a one-off (probe, migration, scan)");
    const marked = toDb?.yaml.filter((l) => l.startsWith("▶")) ?? [];
    expect(marked[0]).toContain(`# ${toDb?.id}:`);
    expect(marked.some((l) => l.includes("app: db"))).toBe(true);
    expect(marked.some((l) => l.includes("1.1.1.1"))).toBe(false);
  });

  it("a peer known by name shows its names and every address, and marks its toFQDNs entry", () => {
    const c = world().named("1.1.1.1", "one.example.com");
    const r = gen(c, { type: "cilium" });
    const rules = reviewRules(r.result.policies, r.objects, toYaml, ruleLines, r.index, r.result.warnings);
    const named = rules.find((x) => x.peer.startsWith("external one.example.com"));
    expect(named?.peerDetail).toEqual(["kind:      outside the cluster, by name", "names:     one.example.com", "addresses: 1.1.1.1/32"]);
    expect(named?.yaml.filter((l) => l.startsWith("▶")).some((l) => l.includes("matchName: one.example.com"))).toBe(true);
  });

  it("observed flows that the generated set would deny show as warnings of the workload whose policy denies them", () => {
    const r = gen(world(), { minFlows: 2 });
    const broken = r.wouldBreak.map((w) => ({ code: "would-break", message: w.message, ...(w.workload ? { workload: w.workload } : {}) }));
    const rules = reviewRules(r.result.policies, r.objects, toYaml, ruleLines, r.index, [...r.result.warnings, ...broken]);
    const web = rules.find((x) => x.workload === "deployment shop/web");
    expect(web?.warnings.some((w) => w.startsWith("observed deployment shop/web → statefulset shop/db"))).toBe(true);
  });

  it("the detail pane's excerpt: the marked lines with two of context, elisions shown; the whole file when nothing is marked", () => {
    const lines = ["  a", "  b", "  c", "  d", "▶ e", "▶ f", "  g", "  h", "  i", "  j"];
    expect(yamlExcerpt(lines)).toEqual(["  …", "  c", "  d", "▶ e", "▶ f", "  g", "  h", "  …"]);
    expect(yamlExcerpt(["▶ x", "  y"])).toEqual(["▶ x", "  y"]);
    expect(yamlExcerpt(["  x", "  y"])).toEqual(["  x", "  y"]);
  });

  it("marks a rule's lines from the YAML document's node ranges: its comment and its own entries only", () => {
    const c = world().row(world().inventory.pods[0] as never, "EGRESS", "10.96.0.1", 443);
    const r = gen(c);
    const web = r.objects.find((o) => o.workload?.name === "web");
    if (!web) throw new Error("no policy for web");
    const text = toYaml(web);
    const lines = ruleLines(web, text);
    const rules = reviewRules(r.result.policies, r.objects, toYaml, ruleLines, r.index, r.result.warnings);
    for (const rule of rules.filter((x) => x.workload === "deployment shop/web")) {
      const marked = rule.yaml.filter((l) => l.startsWith("▶")).map((l) => l.slice(2));
      // The first marked line is the rule's own comment; the rest are its nodes, nothing of another rule.
      expect(marked[0]?.trim()).toBe(`# ${rule.id}: ${rule.peer}; ${text.split(`# ${rule.id}: ${rule.peer}; `)[1]?.split("\n")[0]}`);
      expect(marked.filter((l) => l.trim().startsWith("# r-"))).toHaveLength(1);
      expect(lines.get(rule.id)?.length).toBeGreaterThan(0);
    }
    const toDb = rules.find((x) => x.workload === "deployment shop/web" && x.peer === "statefulset shop/db");
    expect(toDb?.yaml.filter((l) => l.startsWith("▶")).map((l) => l.slice(2).trim())).toEqual([
      expect.stringMatching(/^# r-[0-9a-f]{12}: statefulset shop\/db;/),
      "- podSelector:",
      "matchLabels:",
      "app: db",
    ]);
  });

  it("a Cilium entry shared by several rules is marked for each of them", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [db] = c.statefulSet("shop", "db", { app: "db" });
    const [cache] = c.statefulSet("shop", "cache", { app: "cache" });
    c.connect(web!, db!, 6379).connect(web!, cache!, 6379);
    const r = gen(c, { type: "cilium" });
    const rules = reviewRules(r.result.policies, r.objects, toYaml, ruleLines, r.index, r.result.warnings).filter(
      (x) => x.workload === "deployment shop/web" && x.direction === "egress",
    );
    expect(rules).toHaveLength(2);
    const [a, b] = rules.map((x) => x.yaml.filter((l) => l.startsWith("▶")).join("\n"));
    expect(a).toBe(b);
    expect(a).toContain("k8s:app: cache");
    expect(a).toContain("k8s:app: db");
  });
});
