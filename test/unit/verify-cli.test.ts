import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/io.ts";

async function thinPolicies() {
  const dir = await mkdtemp(path.join(tmpdir(), "guardian-verify-"));
  // --min-flows 5 drops the kubelet probes (4 flows each) and one API server rule: gen says so and exits 4.
  const report = path.join(dir, "gen.json");
  const g = await runCli([
    "gen",
    "netpol",
    "--all",
    "-A",
    "--demo",
    "--min-flows",
    "5",
    "--output-dir",
    path.join(dir, "out"),
    "--report",
    report,
  ]);
  return { dir, g, report, out: path.join(dir, "out") };
}

describe("verify and the CI contract", () => {
  it("gen exits 4 when what it wrote would deny observed flows, and its JSON report lists them", async () => {
    const { g, report } = await thinPolicies();
    expect(g.code).toBe(4);
    const r = JSON.parse(await readFile(report, "utf8"));
    expect(r.command).toBe("gen");
    expect(r.wouldBreak).toHaveLength(5);
    expect(r.summary["would be denied"]).toBe(5);
    expect(r.policies.length).toBe(6);
    expect(r.policies[0].rules[0]).toEqual(
      expect.objectContaining({ id: expect.stringMatching(/^r-[0-9a-f]{12}$/), connections: expect.any(Number), decision: "accepted" }),
    );
  });

  it("verify replays every observed flow against proposed policies: DENY lines, exit 4, Markdown report", async () => {
    const { dir, out } = await thinPolicies();
    const md = path.join(dir, "verify.md");
    const v = await runCli(["verify", "-A", "--demo", "--policies", out, "--report", md]);
    expect(v.code).toBe(4);
    const lines = v.stdout.trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      /^DENY deployment ingress-nginx\/ingress-nginx-controller → kube-apiserver 10\.0\.0\.10\/32 on 6443\/TCP \(3 connections\) would be denied at egress by ingress-nginx\/ingress-nginx-controller-guardian$/,
    );
    expect(v.stderr).toContain("5 of 19 observed flow(s) would be denied under 6 policies (0 live, 6 proposed)");
    const text = await readFile(md, "utf8");
    expect(text).toContain("### kubectl-guardian verify: ⚠️ 5 observed flow(s) would be denied");
  });

  it('reads proposed policies from stdin with "--policies -", as kubectl reads "-f -"', async () => {
    const g = await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""]);
    for (const flag of [["--policies", "-"], ["--policies=-"]]) {
      const v = await runCli(["verify", "-A", "--demo", ...flag], { stdin: g.stdout });
      expect(v.code).toBe(0);
      expect(v.stderr).toContain("under 6 policies (0 live, 6 proposed)");
    }
  });

  it("verify exits 0 when everything stays allowed, and -o json is machine-readable", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-verify-"));
    await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", dir]);
    const v = await runCli(["verify", "-A", "--demo", "--policies", dir, "-o", "json"]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({ checked: 19, policies: 6, denied: [], undetermined: [] });
    const ns = await runCli(["verify", "-n", "analytics", "--demo", "--policies", dir, "-o", "json"]);
    expect(JSON.parse(ns.stdout).checked).toBe(2);
  });

  it("verify names an unreadable --policies path and refuses -n with -A", async () => {
    expect((await runCli(["verify", "-A", "--demo", "--policies", "/nonexistent"])).stderr).toContain(
      "error: cannot read --policies /nonexistent",
    );
    expect((await runCli(["verify", "-A", "-n", "x", "--demo"])).code).toBe(2);
  });
});
