import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { exec, requireBinary } from "../support/binary.ts";
import { Cluster, tcp } from "../support/builders.ts";
import { flowsOf } from "../support/hubble.ts";

let bin: string;
beforeAll(() => {
  bin = requireBinary();
});

// No PATH, no HOME, no Node: the binary carries its own runtime.
const bare = (args: string[]) => exec(bin, args, { env: {} });

describe("the single-file binary", () => {
  it("answers --help with no Node.js and an empty environment", () => {
    const r = bare(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("gen <kind> [pod]");
    expect(r.stderr).toBe("");
  });

  it("answers --help exactly as the parser does, from the text the build precomputed", async () => {
    const { runCli } = await import("../support/io.ts");
    for (const argv of [
      ["--help"],
      ["gen", "netpol", "--help"],
      ["diff", "netpol", "--help"],
      ["snapshot", "--help"],
      ["rollback", "--help"],
    ]) {
      expect(bare(argv).stdout, argv.join(" ")).toBe((await runCli(argv)).stdout);
    }
  });

  it("dist/ holds only the executable: with it on PATH, kubectl plugin list finds the plugin and warns about nothing", async () => {
    expect((await readdir(path.dirname(bin))).filter((f) => f.startsWith("kubectl-"))).toEqual(["kubectl-guardian"]);
    const r = exec("kubectl", ["plugin", "list"], {
      env: { PATH: `${path.dirname(bin)}:/usr/bin:/bin`, HOME: await mkdtemp(path.join(tmpdir(), "guardian-home-")) },
    });
    expect(r.stdout).toContain(bin);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/warning/i);
  });

  it("prints version, commit and build date from the build", () => {
    const r = bare(["version", "-o", "json"]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.commit).toMatch(/^[0-9a-f]{12}(-dirty)?$/);
    expect(Number.isNaN(Date.parse(v.buildDate))).toBe(false);
  });

  it("exits 2 with one error line and a usage hint on a bad flag", () => {
    const r = bare(["gen", "netpol", "web", "--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      "error: unknown flag: --no-such-flag",
      "See 'kubectl guardian gen networkpolicy --help' for usage.",
    ]);
  });

  it("runs the demo: stdout is nothing but valid NetworkPolicy YAML", () => {
    const r = bare(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout);
    expect(docs.length).toBeGreaterThanOrEqual(6);
    for (const d of docs) {
      expect(d.errors).toEqual([]);
      const o = d.toJS();
      expect(o).toMatchObject({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" });
      expect(() => new NetworkPolicy(o).validate()).not.toThrow();
    }
    const names = docs.map((d) => `${d.toJS().metadata.namespace}/${d.toJS().metadata.name}`).sort();
    expect(names).toEqual(
      expect.arrayContaining(["shop/web-guardian", "shop/api-guardian", "shop/db-guardian", "analytics/reporter-guardian"]),
    );
  });

  it("runs the demo as Cilium policies, naming the payments API from Hubble DNS flows piped in", () => {
    // The demo names it already; Hubble adds a second name for one of its addresses. Same port: one entry.
    const dns = { flow: { l7: { type: "RESPONSE", dns: { query: "pay.example.org.", ips: ["93.184.216.34"] } } } };
    const args = ["gen", "netpol", "api", "-n", "shop", "--demo", "-t", "cilium", "--hostnames", "-", "--output-dir", ""];
    const r = exec(bin, args, { env: {}, input: `${JSON.stringify(dns)}\n` });
    expect(r.code).toBe(0);
    const api = parseAllDocuments(r.stdout)[0]?.toJS();
    expect(() => new CiliumNetworkPolicy(api).validate()).not.toThrow();
    expect(api.spec.egress).toContainEqual(
      expect.objectContaining({ toFQDNs: [{ matchName: "pay.example.org" }, { matchName: "payments.example.com" }] }),
    );
  });

  it("turns Hubble flows piped in into the Cilium policies the broker's rows of the same traffic give, offline", async () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" }, { ports: [tcp(8080)] });
    const [api] = c.deployment("shop", "api", { app: "api" }, { ports: [tcp(9000)] });
    c.connect(web!, api!, 9000).row(web!, "INGRESS", "203.0.113.7", 8080).row(api!, "EGRESS", "192.0.2.10", 443);
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-hubble-"));
    await writeFile(path.join(dir, "snap.json"), JSON.stringify(c.snapshot()));
    const args = ["gen", "netpol", "--all", "-A", "-t", "cilium", "--output-dir", ""];
    const hubble = exec(bin, [...args, "--from-hubble", "-"], { env: { HOME: dir }, input: flowsOf(c.inventory, c.data()).join("\n") });
    const snap = exec(bin, [...args, "--from-snapshot", path.join(dir, "snap.json")], { env: { HOME: dir } });
    expect(hubble.code, hubble.stderr).toBe(0);
    const docs = parseAllDocuments(hubble.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(2);
    for (const d of docs) expect(() => new CiliumNetworkPolicy(d).validate()).not.toThrow();
    expect(docs).toEqual(parseAllDocuments(snap.stdout).map((d) => d.toJS()));
    expect(hubble.stderr).toMatch(/no cluster inventory/);
  });

  it("writes the demo into an output directory, one file per workload", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-e2e-"));
    const r = exec(bin, ["gen", "netpol", "--all", "-A", "--demo", "--output-dir", dir], { env: {} });
    expect(r.code).toBe(0);
    const files = (await readdir(dir)).sort();
    expect(files).toContain("shop-web-networkpolicy.yaml");
    expect(r.stderr).toContain(`wrote ${path.join(dir, "shop-web-networkpolicy.yaml")}`);
    expect(await readFile(path.join(dir, "shop-db-networkpolicy.yaml"), "utf8")).toContain("kind: NetworkPolicy");
  });

  it("never colours output when NO_COLOR is set or stderr is not a terminal", () => {
    const r = exec(bin, ["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""], { env: { NO_COLOR: "1" } });
    expect(r.stderr).not.toContain("\x1b[");
  });
});

describe("kubectl integration", () => {
  const withPath = () => ({ PATH: `${path.dirname(bin)}:/usr/local/bin:/usr/bin:/bin`, HOME: tmpdir() });

  it("kubectl plugin list shows the plugin", () => {
    const r = exec("kubectl", ["plugin", "list"], { env: withPath() });
    expect(r.stdout).toContain(bin);
  });

  it("kubectl guardian --help and version run the plugin", () => {
    expect(exec("kubectl", ["guardian", "--help"], { env: withPath() }).stdout).toContain("gen <kind> [pod]");
    expect(exec("kubectl", ["guardian", "version"], { env: withPath() }).stdout).toMatch(/^kubectl-guardian /);
  });
});

describe("exit codes and reports of the binary", () => {
  it("0 when every observed flow stays allowed, 4 when some would be denied, with a Markdown report", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-ci-"));
    expect(bare(["verify", "-A", "--demo"]).code).toBe(0);
    const g = exec(bin, ["gen", "netpol", "-A", "--demo", "--min-flows", "5", "--output-dir", dir, "--report", path.join(dir, "r.md")], {
      env: { CI: "true" },
    });
    expect(g.code).toBe(4);
    expect(await readFile(path.join(dir, "r.md"), "utf8")).toContain("### kubectl-guardian gen: ⚠️ 5 observed flow(s) would be denied");
    const v = exec(bin, ["verify", "-A", "--demo", "--policies", dir, "-o", "json"], { env: {} });
    expect(v.code).toBe(4);
    expect(JSON.parse(v.stdout).denied).toHaveLength(5);
  });
});
