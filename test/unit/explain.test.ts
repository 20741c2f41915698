// explain: the rows behind a workload's policy, traced through the same resolution gen uses.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/io.ts";

const DIR = path.resolve(import.meta.dirname, "../fixtures/golden");
function golden(name: string, actual: string): void {
  const file = path.join(DIR, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`${file} is missing; run npm run golden:update`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

const explain = (...args: string[]) => runCli(["explain", ...args, "--demo", "--color", "never"]);

interface Json {
  rules: { id: string; rows: number; connections: number; synthetic?: string }[];
  rows: { uuid: string; skipped?: { reason: string }; connections: { rule: string | null }[] }[];
}

describe("explain on the demo", () => {
  it("deploy/web: golden text", async () => {
    const r = await explain("deploy/web", "-n", "shop");
    expect(r.code).toBe(0);
    golden("explain-web.txt", r.stdout);
  });

  it("the ingress controller: golden JSON", async () => {
    const r = await explain("deployment.apps/ingress-nginx-controller", "-n", "ingress-nginx", "-o", "json");
    expect(r.code).toBe(0);
    golden("explain-ingress.json", r.stdout);
  });

  it("its rules are exactly gen's rules, and every observed rule has the rows behind it", async () => {
    const e = JSON.parse((await explain("web", "-n", "shop", "-o", "json")).stdout) as Json;
    const g = await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--yes", "--output-dir", "", "--color", "never"]);
    const ids = [...g.stdout.matchAll(/# (r-[0-9a-f]{12}):/g)].map((m) => m[1]);
    expect(e.rules.map((r) => r.id).sort()).toEqual([...new Set(ids)].sort());
    for (const rule of e.rules) {
      const rows = e.rows.filter((x) => x.connections.some((c) => c.rule === rule.id));
      expect(rows.length).toBe(rule.rows);
      // A connection seen at both ends is two rows and one connection.
      if (!rule.synthetic) expect(rule.rows).toBeGreaterThanOrEqual(rule.connections);
    }
  });

  it("rows that became no rule say why", async () => {
    const e = JSON.parse((await explain("web", "-n", "shop", "-o", "json")).stdout) as Json;
    const unused = e.rows.filter((x) => x.connections.every((c) => c.rule === null));
    expect(unused.length).toBeGreaterThan(0);
    for (const x of unused) expect(x.skipped?.reason ?? x.connections[0]).toBeTruthy();
  });

  it("--min-flows drops a rule: its rows stay, marked with the reason", async () => {
    const e = JSON.parse((await explain("web", "-n", "shop", "-o", "json", "--min-flows", "5")).stdout) as {
      rows: { connections: { rule: string | null; note?: string }[] }[];
    };
    const notes = e.rows
      .flatMap((x) => x.connections)
      .filter((c) => c.rule === null)
      .map((c) => c.note);
    expect(notes).toContain("no rule: fewer connections to this peer than --min-flows 5");
  });

  it("--rule shows one rule's rows; an unknown rule is an error listing the rule ids", async () => {
    const all = JSON.parse((await explain("web", "-n", "shop", "-o", "json")).stdout) as Json;
    const id = all.rules[1]?.id as string;
    const one = JSON.parse((await explain("web", "-n", "shop", "-o", "json", "--rule", id)).stdout) as Json;
    expect(one.rules.map((r) => r.id)).toEqual([id]);
    expect(one.rows.length).toBe(all.rules[1]?.rows);
    const bad = await explain("web", "-n", "shop", "--rule", "r-000000000000");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("has no rule r-000000000000");
    expect(bad.stderr).toContain(id);
  });

  it("a target that does not exist is an error with close matches", async () => {
    const r = await explain("deploy/wbe", "-n", "shop");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/deployment\/wbe not found .*did you mean deployment\/web/);
  });
});
