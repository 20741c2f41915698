// Exit codes CI can live with: skipped workloads are listed, not failures, unless --strict.
import { describe, expect, it } from "vitest";
import { Cluster } from "../support/builders.ts";
import { runCli } from "../support/io.ts";

/** web → api observed; an idle worker; a host-network DaemonSet; and optionally an unlabeled pod with traffic. */
function messy(o: { unlabeledTraffic?: boolean } = {}) {
  const c = new Cluster();
  c.node("worker-1", "172.18.0.3");
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api" });
  c.deployment("shop", "idle", { app: "idle" });
  c.inventory.workloads.push({ kind: "DaemonSet", name: "node-agent", namespace: "shop", selector: { app: "node-agent" } });
  c.pod(
    "shop",
    "node-agent-x1",
    { labels: { app: "node-agent" }, owner: { kind: "DaemonSet", name: "node-agent" }, hostNetwork: true },
    "172.18.0.3",
  );
  c.connect(web!, api!, 8080);
  if (o.unlabeledTraffic) {
    // Two unlabeled pods: no selector picks either alone.
    const a = c.pod("shop", "debug-a", { owner: null });
    c.pod("shop", "debug-b", { owner: null });
    c.row(a, "EGRESS", "1.1.1.1", 443);
  }
  return JSON.stringify(c.snapshot());
}

const gen = (snap: string, ...extra: string[]) =>
  runCli(["gen", "netpol", "--all", "-n", "shop", "--from-snapshot", "-", "--output-dir", "", "--allow-dns=false", ...extra], {
    stdin: snap,
  });

describe("exit codes with --all and -A", () => {
  it("a workload without traffic and a host-network workload are listed as skipped; the run exits 0", async () => {
    const r = await gen(messy());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("note: No traffic data found for deployment shop/idle");
    expect(r.stderr).toContain("note: daemonset shop/node-agent runs on the host network");
    expect(r.stderr).toContain("2 workloads skipped (1 on the host network, 1 without traffic; --strict fails the run on these)");
    expect(r.stdout).toContain("name: web-guardian");
  });

  it("--strict makes any skipped workload exit 1", async () => {
    expect((await gen(messy(), "--strict")).code).toBe(1);
  });

  it("observed traffic that found no policy still exits 1", async () => {
    const r = await gen(messy({ unlabeledTraffic: true }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("warning: pod shop/debug-a has no usable labels");
    expect(r.stderr).toContain("1 workload with observed traffic got no policy");
  });

  it("one named workload without data fails with the seed's message", async () => {
    const r = await runCli(["gen", "netpol", "idle", "-n", "shop", "--from-snapshot", "-", "--output-dir", ""], { stdin: messy() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: No traffic data found for pod shop\/idle$/m);
  });

  it("one named host-network workload is a note, not an error", async () => {
    const r = await runCli(["gen", "netpol", "node-agent-x1", "-n", "shop", "--from-snapshot", "-", "--output-dir", ""], {
      stdin: messy(),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: daemonset shop\/node-agent runs on the host network/m);
    expect(r.stderr).not.toContain("No traffic data");
  });

  it("the report lists skipped workloads", async () => {
    const { mkdtemp, readFile } = await import("node:fs/promises");
    const dir = await mkdtemp(`${(await import("node:os")).tmpdir()}/guardian-report-`);
    await gen(messy(), "--report", `${dir}/r.json`);
    const report = JSON.parse(await readFile(`${dir}/r.json`, "utf8"));
    expect(report.skipped.map((s: { workload: string; reason: string }) => `${s.workload}:${s.reason}`)).toEqual([
      "DaemonSet/shop/node-agent:host-network",
      "Deployment/shop/idle:no-traffic",
    ]);
  });

  it("--help documents the exit codes (gen's, and diff's 3)", async () => {
    const r = await runCli(["gen", "netpol", "--help"]);
    for (const line of ["Exit codes:", "0  ", "1  ", "2  ", "4  ", "130"]) expect(r.stdout).toContain(line);
    expect(r.stdout).toContain("--strict");
    expect((await runCli(["diff", "netpol", "--help"])).stdout).toContain("3 with --exit-code, changes pending");
  });
});
