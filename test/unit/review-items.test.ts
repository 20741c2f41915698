import { describe, expect, it } from "vitest";
import { toYaml } from "../../src/output/yaml.ts";
import { markedYaml, reviewRules, yamlExcerpt } from "../../src/review/items.ts";
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
    const rules = reviewRules(r.result.policies, r.objects, toYaml, r.index, r.result.warnings);
    const toDb = rules.find((x) => x.workload === "deployment shop/web" && x.peer === "statefulset shop/db");
    expect(toDb?.peerDetail).toEqual(expect.arrayContaining(["selector:  app=db", "matches:   1 pod(s) now: db-0"]));
    expect(toDb?.evidence[0]).toBe("flows:      1");
    expect(toDb?.warnings).toContain("seen only once: a single flow may be a one-off (probe, migration, scan)");
    const marked = toDb?.yaml.filter((l) => l.startsWith("▶")) ?? [];
    expect(marked[0]).toContain(`# ${toDb?.id}:`);
    expect(marked.some((l) => l.includes("app: db"))).toBe(true);
    expect(marked.some((l) => l.includes("1.1.1.1"))).toBe(false);
  });

  it("a peer known by name shows its names and every address, and marks its toFQDNs entry", () => {
    const c = world().named("1.1.1.1", "one.example.com");
    const r = gen(c, { type: "cilium" });
    const rules = reviewRules(r.result.policies, r.objects, toYaml, r.index, r.result.warnings);
    const named = rules.find((x) => x.peer.startsWith("external one.example.com"));
    expect(named?.peerDetail).toEqual(["kind:      outside the cluster, by name", "names:     one.example.com", "addresses: 1.1.1.1/32"]);
    expect(named?.yaml.filter((l) => l.startsWith("▶")).some((l) => l.includes("matchName: one.example.com"))).toBe(true);
  });

  it("observed flows that the generated set would deny show as warnings of the workloads involved", () => {
    const r = gen(world(), { minFlows: 2 });
    const broken = r.wouldBreak.map((w) => ({ code: "would-break", message: w.message }));
    const rules = reviewRules(r.result.policies, r.objects, toYaml, r.index, [...r.result.warnings, ...broken]);
    const web = rules.find((x) => x.workload === "deployment shop/web");
    expect(web?.warnings.some((w) => w.startsWith("observed deployment shop/web → statefulset shop/db"))).toBe(true);
  });

  it("the detail pane's excerpt: the marked lines with two of context, elisions shown; the whole file when nothing is marked", () => {
    const lines = ["  a", "  b", "  c", "  d", "▶ e", "▶ f", "  g", "  h", "  i", "  j"];
    expect(yamlExcerpt(lines)).toEqual(["  …", "  c", "  d", "▶ e", "▶ f", "  g", "  h", "  …"]);
    expect(yamlExcerpt(["▶ x", "  y"])).toEqual(["▶ x", "  y"]);
    expect(yamlExcerpt(["  x", "  y"])).toEqual(["  x", "  y"]);
  });

  it("marks only the lines of the rule's own entries", () => {
    const yaml = [
      "spec:",
      "  egress:",
      "    - to:",
      "        # r-1: a",
      "        - podSelector:",
      "            matchLabels: {app: a}",
      "        # r-2: b",
      "        - ipBlock:",
      "            cidr: 1.1.1.1/32",
      "      ports: []",
    ].join("\n");
    expect(markedYaml(yaml, "r-1").filter((l) => l.startsWith("▶")).length).toBe(3);
    expect(markedYaml(yaml, "r-2").filter((l) => l.startsWith("▶")).length).toBe(3);
  });
});
