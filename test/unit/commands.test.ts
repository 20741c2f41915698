// Each command is a module of its own: its own flags, its own usage errors; the shared flags are
// accepted by every command that talks to a cluster or could prompt.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/io.ts";

const SHARED = ["--context", "nope", "--kubeconfig", "/nonexistent/kubeconfig", "-v", "--color", "never", "--non-interactive"];

describe("commands", () => {
  it.each([["--output-dir", "x"], ["--apply"], ["--demo"], ["--from-snapshot", "s.json"], ["--review"]])(
    "diff does not accept gen's %s: a usage error naming diff",
    async (...flag) => {
      const r = await runCli(["diff", "netpol", "--all", "-n", "shop", ...flag]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: unknown flag: ${flag[0]}\nSee 'kubectl guardian diff networkpolicy --help' for usage.\n`);
    },
  );

  it("diff's own usage errors name diff", async () => {
    const r = await runCli(["diff", "netpol", "web", "--all"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("See 'kubectl guardian diff networkpolicy --help' for usage.");
  });

  it.each([
    [["gen", "netpol", "--all", "-n", "shop", "--output-dir", ""]],
    [["diff", "netpol", "--all", "-n", "shop"]],
    [["verify", "-n", "shop"]],
    [["snapshot", "-o", "-"]],
    [["rollback", "/nonexistent/rollback.yaml"]],
  ])("%j accepts the shared flags (the run then fails on the missing kubeconfig or file, not on a flag)", async (argv) => {
    const r = await runCli([...argv, ...SHARED], { env: { HOME: await mkdtemp(path.join(tmpdir(), "guardian-home-")) } });
    expect(r.stderr).not.toMatch(/unknown flag/);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: /);
  });

  it("gen and diff print their own help, with examples", async () => {
    const gen = await runCli(["gen", "netpol", "--help"]);
    const diff = await runCli(["diff", "netpol", "--help"]);
    expect(gen.stdout).toContain("--output-dir");
    expect(diff.stdout).not.toContain("--output-dir");
    expect(diff.stdout).toContain("--exit-code");
    expect(diff.stdout).toContain("Examples:");
  });
});
