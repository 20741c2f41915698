// What #16 added, on the real API server: DoesNotExist selectors for unlabeled pods and label values
// that YAML 1.1 would type are accepted by a server-side dry run, as NetworkPolicy and as Cilium.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installCiliumCrds } from "../../scripts/cluster/cilium-crds.ts";
import { Cluster } from "../support/builders.ts";
import { runCli } from "../support/io.ts";
import { kubeConfig, Seeder, uniqueNs } from "./seed.ts";

let seed: Seeder;
beforeAll(() => {
  seed = new Seeder(kubeConfig(inject("kubeconfig")));
});

async function snapshot(ns: string): Promise<string> {
  const c = new Cluster();
  const [web] = c.deployment(ns, "web", { app: "web", flag: "yes" });
  const [api] = c.deployment(ns, "api", { app: "api", version: "0755" });
  const debug = c.pod(ns, "debug", { owner: null });
  c.connect(debug, web!, 8080).connect(web!, api!, 9000).connect(api!, debug, 7000);
  const dir = await mkdtemp(path.join(tmpdir(), "guardian-exact-"));
  const file = path.join(dir, "snap.json");
  await writeFile(file, JSON.stringify(c.snapshot()));
  return file;
}

describe("exact selectors on a real API server", () => {
  it.each(["kubernetes", "cilium"])("%s: a server-side dry run accepts every object", async (type) => {
    if (type === "cilium") await installCiliumCrds(seed.kc, inject("ciliumSchemas"));
    const ns = uniqueNs("exact");
    await seed.namespace(ns);
    const file = await snapshot(ns);
    const r = await runCli(
      [
        "gen",
        "netpol",
        "--all",
        "-n",
        ns,
        "-t",
        type,
        "--from-snapshot",
        file,
        "--kubeconfig",
        inject("kubeconfig"),
        "--output-dir",
        "",
        "--dry-run=server",
        "--allow-dns=false",
      ],
      { env: { HOME: tmpdir() } },
    );
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/server-side dry run: all 3 object\(s\) accepted/);
    expect(r.stdout).toContain("DoesNotExist");
    expect(r.stdout).toContain('"0755"');
  });
});
