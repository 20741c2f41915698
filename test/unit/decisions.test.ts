import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DecisionsError, keepAccepted, parseDecisions, recordDecisions, serializeDecisions } from "../../src/review/decisions.ts";
import { runCli } from "../support/io.ts";
import { rules } from "../support/review.ts";

describe("decisions file", () => {
  it("round-trips, sorted by rule id, and keeps who decided first", () => {
    const rs = rules(3);
    const first = recordDecisions(
      { decisions: {}, skipped: [] },
      rs,
      { [rs[2]!.id]: "accepted", [rs[0]!.id]: "rejected" },
      [],
      "alice",
      "2026-05-12T10:00:00Z",
    );
    const text = serializeDecisions(first);
    expect(text.indexOf(rs[0]!.id)).toBeLessThan(text.indexOf(rs[2]!.id));
    const again = recordDecisions(
      parseDecisions(text, "f"),
      rs,
      { [rs[2]!.id]: "accepted", [rs[0]!.id]: "accepted" },
      [],
      "bob",
      "2026-05-13T10:00:00Z",
    );
    expect(again.decisions[rs[2]!.id]).toMatchObject({ decision: "accept", by: "alice" });
    expect(again.decisions[rs[0]!.id]).toMatchObject({ decision: "accept", by: "bob", rule: expect.stringContaining("peer") });
    expect(serializeDecisions(again)).toBe(serializeDecisions(parseDecisions(serializeDecisions(again), "f")));
  });

  it("rejects a file that is not a decisions file, naming it", () => {
    expect(() => parseDecisions("kind: Pod\n", "d.yaml")).toThrow(DecisionsError);
    expect(() =>
      parseDecisions("apiVersion: guardian.kubectl.io/v1alpha1\nkind: Decisions\ndecisions: {r-1: {decision: maybe}}\n", "d.yaml"),
    ).toThrow("d.yaml: decision for r-1 must be accept or reject");
  });

  it("keeps only accepted rules and drops skipped workloads; a policy with every rule rejected still denies", () => {
    const policy = (name: string) => ({
      workload: { kind: "Deployment", name, namespace: "ns" },
      selector: { app: name },
      ingress: [
        {
          id: `${name}-in`,
          direction: "ingress" as const,
          peer: { kind: "external" as const, cidr: "1.1.1.1/32" },
          ports: [],
          evidence: { flows: 1, firstSeen: 0, lastSeen: 0, pods: [] },
        },
      ],
      egress: [],
      policyTypes: ["Ingress" as const, "Egress" as const],
    });
    const out = keepAccepted(
      [policy("a"), policy("b"), policy("c")],
      (id) => id === "a-in",
      new Set(["ns/c"]),
      (p) => `${p.workload.namespace}/${p.workload.name}`,
    );
    expect(out.map((p) => [p.workload.name, p.ingress.length])).toEqual([
      ["a", 1],
      ["b", 0],
    ]);
  });
});

describe("non-interactive runs follow the decisions file", () => {
  async function decided() {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-dec-"));
    const first = await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--output-dir", dir]);
    expect(first.code).toBe(0);
    const ids = [...(await readFile(path.join(dir, "shop-web-networkpolicy.yaml"), "utf8")).matchAll(/# (r-[0-9a-f]{12}):/g)].map(
      (m) => m[1] as string,
    );
    // Record a decision for all but the last rule: reject the first, accept the rest.
    const entries = ids
      .slice(0, -1)
      .map((id, i) => `  ${id}: {decision: ${i === 0 ? "reject" : "accept"}, workload: w, rule: r, by: t, at: t}`);
    await writeFile(
      path.join(dir, "guardian-decisions.yaml"),
      `apiVersion: guardian.kubectl.io/v1alpha1\nkind: Decisions\ndecisions:\n${entries.join("\n")}\n`,
    );
    return { dir, ids };
  }
  const idsIn = async (dir: string) =>
    [...(await readFile(path.join(dir, "shop-web-networkpolicy.yaml"), "utf8")).matchAll(/# (r-[0-9a-f]{12}):/g)].map((m) => m[1]);

  it("in CI, a rule without a decision fails the run and writes nothing new", async () => {
    const { dir } = await decided();
    const before = await readdir(dir);
    const r = await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--output-dir", dir, "--force"], { env: { CI: "true" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: 1 rule\(s\) have no decision in .*guardian-decisions.yaml\nReview them on a terminal/);
    expect(await readdir(dir)).toEqual(before);
  });

  it("--undecided reject writes the accepted rules only; --undecided accept adds the new one", async () => {
    const { dir, ids } = await decided();
    const rej = await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--output-dir", dir, "--undecided", "reject"], {
      env: { CI: "true" },
    });
    // The rejected rule's flows are observed: what is written denies them (exit 4, not 0).
    expect(rej.code).toBe(4);
    expect(await idsIn(dir)).toEqual(ids.slice(1, -1));
    expect(rej.stderr).toContain("rule(s) recorded, 1 new (rejected)");
    expect(rej.stderr).toMatch(/warning: observed .* would be denied/);
    await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--output-dir", dir, "--undecided", "accept"], { env: { CI: "true" } });
    expect(await idsIn(dir)).toEqual(ids.slice(1));
  });

  it("the would-break replay judges what is written: summary, report and verify on the same files agree", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-written-"));
    const report = path.join(dir, "report.json");
    const gen = await runCli(
      ["gen", "netpol", "--all", "-n", "shop", "--demo", "--output-dir", dir, "--undecided", "reject", "--report", report, "-v"],
      {
        env: { CI: "true" },
      },
    );
    expect(gen.code).toBe(4);
    const warned = gen.stderr.split("\n").filter((l) => l.startsWith("warning: observed ") && l.includes(" would be denied "));
    const reported = JSON.parse(await readFile(report, "utf8")).wouldBreak as string[];
    expect(warned.length).toBeGreaterThan(0);
    expect(reported).toHaveLength(warned.length);
    // Every policy names its own object, even with every rule rejected.
    const names = JSON.parse(await readFile(report, "utf8")).policies.map(
      (p: { name: string; workload: string }) => `${p.workload}=${p.name}`,
    );
    expect(new Set(names.map((n: string) => n.split("=")[1])).size).toBe(names.length);
    const ver = await runCli(["verify", "-n", "shop", "--demo", "--policies", dir, "-o", "json"]);
    expect(ver.code).toBe(4);
    const denied = JSON.parse(ver.stdout).denied as string[];
    expect([...denied].sort()).toEqual([...reported].sort());
    expect(warned.map((l) => l.slice("warning: ".length)).sort()).toEqual([...reported].sort());
  });

  it("--review without a terminal is a usage error", async () => {
    const r = await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--review"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: --review needs a terminal: stdin and stdout must both be TTYs");
  });
});
