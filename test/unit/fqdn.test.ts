// External peers known by name: the snapshot's hostnames section → toFQDNs (Cilium) or every address (NetworkPolicy).
import { CiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import { describe, expect, it } from "vitest";
import type { InventoryPod } from "../../src/model/types.ts";
import { HostnamesError, mergeHostnames, parseHostnames, readHostnameLines } from "../../src/sources/hubble/hostnames.ts";
import { diffPolicies } from "../../src/verify/diff.ts";
import { fqdnMatches, PolicyEvaluator } from "../../src/verify/evaluate.ts";
import { Cluster } from "../support/builders.ts";
import type { CiliumObject } from "../support/cilium-eval.ts";
import { gen } from "../support/generate.ts";
import { runCli } from "../support/io.ts";

function shop(o: { names?: boolean; second?: string } = {}) {
  const c = new Cluster();
  c.dns();
  const [api] = c.deployment("shop", "api", { app: "api" });
  const [gw] = c.deployment("shop", "gateway", { app: "gateway" });
  c.row(api as InventoryPod, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
  c.row(api as InventoryPod, "EGRESS", "93.184.216.34", 443).row(api as InventoryPod, "EGRESS", o.second ?? "2606:2800:220:1::1", 443);
  // An address with a name that only ever dialled in: names exist for egress only.
  c.row(gw as InventoryPod, "INGRESS", "198.51.100.7", 8443);
  if (o.names !== false) {
    c.named("93.184.216.34", "Payments.Example.com.");
    c.named(o.second ?? "2606:2800:220:1::1", "payments.example.com");
    c.named("198.51.100.7", "partner.example.net");
  }
  return c;
}
const spec = (r: ReturnType<typeof gen>, name: string) => r.byName(name).spec as unknown as CiliumObject["spec"];

describe("snapshot hostnames", () => {
  it("normalises case and the final dot; drops whole entries with a bad address or name", () => {
    const r = parseHostnames([
      { ip: "93.184.216.34", names: ["B.example.com.", "a.example.com", "a.example.com"] },
      { ip: "not-an-ip", names: ["x.example.com"] },
      { ip: "10.0.0.1", names: ["ok.example.com", "bad name"] },
      { ip: "10.0.0.2", names: ["evil.example.com\nkind: Secret"] },
      { ip: "10.0.0.3", names: [] },
      { ip: "10.0.0.4", names: [`${"a".repeat(64)}.example.com`] },
      "junk",
    ]);
    expect(r.items).toEqual([{ ip: "93.184.216.34", names: ["a.example.com", "b.example.com"] }]);
    expect(r.malformed).toBe(6);
  });

  it("a bad entry is a warning naming the fix, not a failure", async () => {
    const c = shop();
    c.hostnames.push({ ip: "300.1.1.1", names: ["x.example.com"] });
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const file = `${mkdtempSync(`${tmpdir()}/fqdn-`)}/snap.json`;
    writeFileSync(file, JSON.stringify(c.snapshot()));
    const r = await runCli(["gen", "netpol", "api", "-n", "shop", "--from-snapshot", file, "--output-dir", "", "--type", "cilium"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("1 hostnames entry skipped: each needs a valid ip and DNS names (fix or remove it)");
    expect(r.stdout).toContain("matchName: payments.example.com");
  });
});

describe("--hostnames files", () => {
  const flow = (dns: Record<string, unknown>) => JSON.stringify({ flow: { verdict: "FORWARDED", l7: { type: "RESPONSE", dns } } });

  it("reads Hubble DNS flows: answers with addresses name them; queries, NXDOMAIN and other flows name nothing", async () => {
    const text = [
      flow({ query: "Payments.Example.com.", ips: ["93.184.216.34", "2606:2800:0220:0001::1"], rrtypes: ["A", "AAAA"] }),
      flow({ query: "payments.example.com.", ips: ["93.184.216.35"] }),
      flow({ query: "cdn.example.net.", ips: ["93.184.216.34"] }),
      flow({ query: "nothing.example.com.", rcode: 3 }),
      JSON.stringify({ flow: { verdict: "FORWARDED", l4: { TCP: { destination_port: 443 } } } }),
      JSON.stringify({ l7: { dns: { query: "bare.example.org", ips: ["198.51.100.4"] } } }),
      flow({ query: "bad name.example.com.", ips: ["198.51.100.5"] }),
      // A truncated DNS line is counted; other lines are not even parsed once the file is known to be JSON.
      '{"flow": {"l7": {"dns": {"query": "cut.example.com.", "ips": ["198.51',
      "not json",
      "",
    ];
    const r = await readHostnameLines(text, "dns.jsonl");
    expect(r.items).toEqual([
      { ip: "198.51.100.4", names: ["bare.example.org"] },
      { ip: "2606:2800:220:1::1", names: ["payments.example.com"] },
      { ip: "93.184.216.34", names: ["cdn.example.net", "payments.example.com"] },
      { ip: "93.184.216.35", names: ["payments.example.com"] },
    ]);
    expect(r.malformed).toBe(2);
  });

  it("knows which pod asked: the end not on port 53, else the destination of a reply, else the source", async () => {
    const ep = (pod: string, ns = "shop") => ({ namespace: ns, pod_name: pod });
    const dns = (query: string, ip: string) => ({ type: "RESPONSE", dns: { query, ips: [ip] } });
    const lines = [
      {
        flow: {
          source: ep("coredns-1", "kube-system"),
          destination: ep("api-1"),
          l4: { UDP: { source_port: 53, destination_port: 41000 } },
          l7: dns("a.example.com.", "198.51.100.1"),
        },
      },
      {
        flow: {
          source: ep("web-1"),
          destination: ep("coredns-1", "kube-system"),
          l4: { UDP: { source_port: 41000, destination_port: 53 } },
          l7: dns("b.example.com.", "198.51.100.1"),
        },
      },
      {
        flow: {
          source: ep("coredns-1", "kube-system"),
          destination: ep("job-1"),
          is_reply: true,
          l7: dns("c.example.com.", "198.51.100.1"),
        },
      },
      { flow: { l7: dns("d.example.com.", "198.51.100.1") } },
    ].map((l) => JSON.stringify(l));
    expect((await readHostnameLines(lines, "f")).items).toEqual([
      { ip: "198.51.100.1", names: ["d.example.com"] },
      { ip: "198.51.100.1", names: ["a.example.com"], pod: { namespace: "shop", name: "api-1" } },
      { ip: "198.51.100.1", names: ["c.example.com"], pod: { namespace: "shop", name: "job-1" } },
      { ip: "198.51.100.1", names: ["b.example.com"], pod: { namespace: "shop", name: "web-1" } },
    ]);
  });

  it("reads the snapshot's own list, bare, under hostnames or pretty-printed; refuses what is neither", async () => {
    const list = [{ ip: "10.1.2.3", names: ["a.example.com"] }];
    const read = (text: string, source = "f") => readHostnameLines(text.split("\n"), source);
    expect((await read(JSON.stringify(list))).items).toEqual(list);
    expect((await read(JSON.stringify({ hostnames: list }))).items).toEqual(list);
    expect((await read(JSON.stringify({ hostnames: list }, null, 2))).items).toEqual(list);
    await expect(read("[{", "names.json")).rejects.toThrow(HostnamesError);
    await expect(read('{"hostnames": 3}', "names.json")).rejects.toThrow('names.json: "hostnames" is not a list');
    await expect(read("a: b\nc: d", "names.yaml")).rejects.toThrow(
      "names.yaml is neither a JSON list of {ip, names} nor JSON lines of Hubble flows",
    );
  });

  it("merges by address, whatever its spelling", () => {
    expect(
      mergeHostnames([{ ip: "2001:db8:0:0::1", names: ["b.example.com"] }], [{ ip: "2001:db8::1", names: ["a.example.com"] }]),
    ).toEqual([{ ip: "2001:db8::1", names: ["a.example.com", "b.example.com"] }]);
  });

  it("gen and verify take names from Hubble for data that has none", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/fqdn-hubble-`);
    await writeFile(`${dir}/snap.json`, JSON.stringify(shop({ names: false }).snapshot()));
    await writeFile(`${dir}/dns.jsonl`, `${flow({ query: "payments.example.com.", ips: ["93.184.216.34", "2606:2800:220:1::1"] })}\n`);
    const args = ["-n", "shop", "--from-snapshot", `${dir}/snap.json`, "--hostnames", `${dir}/dns.jsonl`];
    const g = await runCli(["gen", "netpol", "api", ...args, "--type", "cilium", "--output-dir", `${dir}/out`]);
    expect(g.code).toBe(0);
    const v = await runCli(["verify", ...args, "--policies", `${dir}/out`]);
    expect(v.stdout).toBe("");
    expect(v.code).toBe(0);
    // Without the names, the same check can only say UNKNOWN.
    const blind = await runCli(["verify", "-n", "shop", "--from-snapshot", `${dir}/snap.json`, "--policies", `${dir}/out`]);
    expect(blind.stdout.trim().split("\n")).toHaveLength(2);
    expect(blind.stdout).toMatch(/^UNKNOWN /);
  });

  it('"--hostnames -" reads the flows from stdin, e.g. piped from hubble observe', async () => {
    const r = await runCli(["gen", "netpol", "api", "-n", "shop", "--demo", "-t", "cilium", "--hostnames", "-", "--output-dir", ""], {
      stdin: `${flow({ query: "pay.example.org.", ips: ["93.184.216.35"] })}\n`,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("matchName: pay.example.org");
  });

  it("files with a byte-order mark (Windows editors, PowerShell) read like any other", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/fqdn-bom-`);
    await writeFile(`${dir}/snap.json`, `\uFEFF${JSON.stringify(shop({ names: false }).snapshot())}`);
    await writeFile(`${dir}/list.json`, `\uFEFF${JSON.stringify([{ ip: "93.184.216.34", names: ["a.example.com"] }])}`);
    await writeFile(`${dir}/dns.jsonl`, `\uFEFF${flow({ query: "b.example.com.", ips: ["93.184.216.34"] })}\n`);
    for (const names of ["list.json", "dns.jsonl"]) {
      const r = await runCli([
        "gen",
        "netpol",
        "api",
        "-n",
        "shop",
        "--from-snapshot",
        `${dir}/snap.json`,
        "--hostnames",
        `${dir}/${names}`,
        "-t",
        "cilium",
        "--output-dir",
        "",
      ]);
      expect(r.stderr).not.toContain("error:");
      expect(r.stdout).toMatch(/matchName: [ab]\.example\.com/);
    }
  });

  it("a file that cannot be read or parsed is one error line with the fix", async () => {
    const missing = await runCli(["gen", "netpol", "api", "-n", "shop", "--demo", "--hostnames", "/nonexistent/dns.jsonl"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: cannot read hostnames file /nonexistent/dns.jsonl: ENOENT");
    expect(missing.stderr).toContain("hubble observe --protocol dns -o json");
    const dir = await runCli(["gen", "netpol", "api", "-n", "shop", "--demo", "--hostnames", "/tmp"]);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain("error: cannot read hostnames file /tmp: EISDIR");
  });
});

describe("names belong to the workload that looked them up", () => {
  // A CDN address serves many names: api asked for pay.example.com, web for news.example.com, batch nothing.
  function cdn() {
    const c = new Cluster();
    c.dns();
    const [api] = c.deployment("shop", "api", { app: "api" });
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [batch] = c.deployment("shop", "batch", { app: "batch" });
    const [gw] = c.deployment("shop", "gateway", { app: "gateway" });
    for (const p of [api, web, batch]) c.row(p as InventoryPod, "EGRESS", "104.16.0.1", 443);
    c.row(gw as InventoryPod, "INGRESS", "104.16.0.1", 8443);
    c.hostnames.push(
      { ip: "104.16.0.1", names: ["pay.example.com"], pod: { namespace: "shop", name: (api as InventoryPod).name } },
      { ip: "104.16.0.1", names: ["news.example.com"], pod: { namespace: "shop", name: (web as InventoryPod).name } },
    );
    return c;
  }
  const egress = (r: ReturnType<typeof gen>, name: string) => JSON.stringify(spec(r, name).egress);

  it("each workload gets only its own names for a shared address; one that looked up nothing gets the address", () => {
    const r = gen(cdn(), { type: "cilium", allowDns: true });
    expect(egress(r, "api-guardian")).toContain('"toFQDNs":[{"matchName":"pay.example.com"}]');
    expect(egress(r, "api-guardian")).not.toContain("news.example.com");
    expect(egress(r, "web-guardian")).toContain('"toFQDNs":[{"matchName":"news.example.com"}]');
    expect(egress(r, "web-guardian")).not.toContain("pay.example.com");
    expect(egress(r, "batch-guardian")).toContain('"toCIDR":["104.16.0.1/32"]');
    expect(egress(r, "batch-guardian")).not.toContain("toFQDNs");
  });

  it("a client dialling in is its own address only, whatever names the address has", () => {
    // partner.example.net has two addresses: one dials in to gateway, api dials out to the other.
    const c = cdn().named("198.51.100.7", "partner.example.net").named("198.51.100.8", "partner.example.net");
    const [api] = c.inventory.pods.filter((p) => p.name.startsWith("api"));
    const [gw] = c.inventory.pods.filter((p) => p.name.startsWith("gateway"));
    c.row(api as InventoryPod, "EGRESS", "198.51.100.8", 443).row(gw as InventoryPod, "INGRESS", "198.51.100.7", 8443);
    for (const type of ["cilium", "kubernetes"] as const) {
      const text = JSON.stringify((gen(c, { type, allowDns: true }).byName("gateway-guardian").spec as { ingress: unknown }).ingress);
      expect(text).toContain("198.51.100.7/32");
      expect(text).not.toContain("198.51.100.8");
    }
  });

  it("a snapshot's list may say who asked; a pod the data does not know gives nobody names", () => {
    const r = parseHostnames([
      { ip: "10.0.0.1", names: ["a.example.com"], pod: { namespace: "shop", name: "api-1" } },
      { ip: "10.0.0.2", names: ["b.example.com"], pod: { namespace: "", name: "x" } },
    ]);
    expect(r.items).toEqual([{ ip: "10.0.0.1", names: ["a.example.com"], pod: { namespace: "shop", name: "api-1" } }]);
    expect(r.malformed).toBe(1);
    const c = cdn();
    c.hostnames.push({ ip: "104.16.0.1", names: ["ghost.example.com"], pod: { namespace: "shop", name: "gone-1" } });
    expect(JSON.stringify(gen(c, { type: "cilium", allowDns: true }).objects.map((o) => o.object))).not.toContain("ghost");
  });
});

describe("peers known by name", () => {
  it("Cilium: one toFQDNs rule for every address of a name, beside the DNS rule that lets the proxy learn them", () => {
    const r = gen(shop(), { type: "cilium", allowDns: true });
    const egress = spec(r, "api-guardian").egress ?? [];
    expect(egress).toContainEqual({
      toFQDNs: [{ matchName: "payments.example.com" }],
      toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
    });
    expect(JSON.stringify(egress)).not.toContain("93.184.216.34");
    expect(egress.some((e) => JSON.stringify(e).includes('"dns":[{"matchPattern":"*"}]'))).toBe(true);
    expect(r.result.warnings.map((w) => w.code)).not.toContain("fqdn-without-dns");
    for (const o of r.objects) expect(() => new CiliumNetworkPolicy(o.object as never).validate()).not.toThrow();
  });

  it("Cilium: a named address that dialled in stays a CIDR (there is no fromFQDNs)", () => {
    const r = gen(shop(), { type: "cilium", allowDns: true });
    expect(spec(r, "gateway-guardian").ingress).toEqual([
      { fromCIDR: ["198.51.100.7/32"], toPorts: [{ ports: [{ port: "8443", protocol: "TCP" }] }] },
    ]);
  });

  it("NetworkPolicy: every observed address of the name, /32 and /128, under one rule id", () => {
    const r = gen(shop());
    const egress = r.byName("api-guardian").spec.egress ?? [];
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: "2606:2800:220:1::1/128" } }, { ipBlock: { cidr: "93.184.216.34/32" } }],
      ports: [{ port: 443, protocol: "TCP" }],
    });
    expect(r.yaml()).toMatch(
      /# r-[0-9a-f]{12}: external payments\.example\.com \(2606:2800:220:1::1\/128,93\.184\.216\.34\/32\); 2 connections first seen/,
    );
  });

  it("the rule id follows the name, not its addresses; without names each address is its own rule", () => {
    const id = (c: Cluster) =>
      gen(c)
        .result.policies.find((p) => p.workload.name === "api")
        ?.egress.filter((e) => e.peer.kind === "fqdn" || e.peer.kind === "external")
        .map((e) => e.id);
    const a = id(shop());
    expect(a).toHaveLength(1);
    expect(id(shop({ second: "93.184.216.99" }))).toEqual(a);
    expect(id(shop({ names: false }))).toHaveLength(2);
  });

  it("warns when a Cilium policy has names but no DNS rule, as Cilium would then deny them", () => {
    const r = gen(shop(), { type: "cilium", allowDns: false });
    // api's own lookups still give it a DNS rule; a workload without one gets the warning.
    const c = shop();
    const [batch] = c.deployment("shop", "batch", { app: "batch" });
    c.row(batch as InventoryPod, "EGRESS", "93.184.216.34", 443);
    const w = gen(c, { type: "cilium", allowDns: false }).result.warnings.filter((x) => x.code === "fqdn-without-dns");
    expect(w.map((x) => x.message)).toEqual([
      expect.stringMatching(/^deployment shop\/batch: its toFQDNs rules need egress to the cluster DNS/),
    ]);
    expect(r.result.warnings.map((x) => x.code)).not.toContain("fqdn-without-dns");
    expect(gen(c, { type: "kubernetes" }).result.warnings.map((x) => x.code)).not.toContain("fqdn-without-dns");
  });

  it("is byte-for-byte the same on every run", () => {
    expect(gen(shop(), { type: "cilium", allowDns: true }).yaml()).toBe(gen(shop(), { type: "cilium", allowDns: true }).yaml());
  });
});

describe("toFQDNs evaluation", () => {
  it("matchName is exact and case-insensitive; * in a pattern stays within a label, alone it matches all", () => {
    const cases: [{ matchName?: string; matchPattern?: string }, string, boolean][] = [
      [{ matchName: "api.example.com" }, "API.example.com.", true],
      [{ matchName: "api.example.com" }, "x.api.example.com", false],
      [{ matchPattern: "*" }, "a.b.c", true],
      [{ matchPattern: "*.example.com" }, "api.example.com", true],
      [{ matchPattern: "*.example.com" }, "a.b.example.com", false],
      [{ matchPattern: "*.example.com" }, "example.com", false],
      [{ matchPattern: "api-*.example.com" }, "api-eu1.example.com", true],
      [{ matchPattern: "api.example.com" }, "apixexample.com", false],
      [{}, "api.example.com", false],
    ];
    for (const [sel, name, want] of cases) expect([sel, name, fqdnMatches(sel, name)]).toEqual([sel, name, want]);
  });

  it("the product's evaluator allows the named addresses and nothing else outside", () => {
    const c = shop();
    const r = gen(c, { type: "cilium", allowDns: true });
    const ev = new PolicyEvaluator(r.objects.map((o) => o.object) as never, (n) => ({ "kubernetes.io/metadata.name": n }));
    const api = c.inventory.pods.find((p) => p.name.startsWith("api")) as InventoryPod;
    const from = { ip: api.ips[0] as string, pod: { namespace: "shop", labels: api.labels } };
    const to = (ip: string, names?: string[]) => ({ ip, entity: "world" as const, ...(names ? { names } : {}) });
    expect(ev.check(from, to("93.184.216.50", ["payments.example.com"]), 443, "TCP").allowed).toBe(true);
    expect(ev.check(from, to("93.184.216.50", ["other.example.com"]), 443, "TCP").allowed).toBe(false);
    expect(ev.check(from, to("93.184.216.34"), 443, "TCP").allowed).toBe(false);
    expect(ev.check(from, to("93.184.216.50", ["payments.example.com"]), 80, "TCP").allowed).toBe(false);
  });

  it("gen's replay of the observed flows passes with names, in both output types", () => {
    for (const type of ["kubernetes", "cilium"] as const) expect(gen(shop(), { type, allowDns: true }).wouldBreak).toEqual([]);
  });
});

describe("verify and diff when the data has no names", () => {
  it("a flow that only a toFQDNs rule could allow is UNKNOWN, not DENY, and does not fail the run", async () => {
    const { mkdtemp, readFile, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/fqdn-verify-`);
    const g = await runCli(["gen", "netpol", "--all", "-n", "shop", "--demo", "--type", "cilium", "--output-dir", `${dir}/out`]);
    expect(g.code).toBe(0);
    // The same traffic as the broker would give it: addresses only.
    const snap = JSON.parse(await readFile(new URL("../../src/demo/demo-snapshot.json", import.meta.url), "utf8"));
    delete snap.hostnames;
    await writeFile(`${dir}/snap.json`, JSON.stringify(snap));

    const v = await runCli(["verify", "-n", "shop", "--from-snapshot", `${dir}/snap.json`, "--policies", `${dir}/out`]);
    expect(v.code).toBe(0);
    const lines = v.stdout.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^UNKNOWN deployment shop\/api → external 93\.184\.216\.34\/32 on 443\/TCP \(\d+ connections?\) is allowed only if a toFQDNs rule of shop\/api-guardian names its address; the data has no DNS name for it$/,
      ),
      expect.stringMatching(/^UNKNOWN deployment shop\/api → external 93\.184\.216\.35\/32 on 443\/TCP/),
    ]);
    expect(v.stderr).toContain("note: 2 flow(s) to addresses without a known DNS name meet toFQDNs rules");
    expect(v.stderr).toMatch(/(\d+) of \d+ observed flow\(s\) stay allowed, 2 undetermined under 3 policies/);

    const named = await runCli(["verify", "-n", "shop", "--demo", "--policies", `${dir}/out`, "-o", "json"]);
    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({ denied: [], undetermined: [] });
  });

  it("diff reports no change for a flow a toFQDNs rule would decide without its name", () => {
    const withNames = gen(shop(), { type: "cilium", allowDns: true });
    const plain = gen(shop({ names: false }), { type: "cilium", allowDns: true });
    const live = plain.objects.map((o) => o.object) as never[];
    // Live: CIDR rules for the two addresses; proposed: toFQDNs. Without names the flows cannot be judged.
    const d = diffPolicies(plain.index, shop().inventory, plain.connections, live, withNames.objects.map((o) => o.object) as never[]);
    expect(d.change.map((c) => c.name)).toContain("CiliumNetworkPolicy shop/api-guardian");
    expect(d.newlyDenied).toEqual([]);
    expect(d.newlyAllowed).toEqual([]);
  });

  it("the product's evaluator says why: denied only for want of a name", () => {
    const r = gen(shop(), { type: "cilium", allowDns: true });
    const ev = new PolicyEvaluator(r.objects.map((o) => o.object) as never, (n) => ({ "kubernetes.io/metadata.name": n }));
    const api = shop().inventory.pods.find((p) => p.name.startsWith("api")) as InventoryPod;
    const from = { ip: api.ips[0] as string, pod: { namespace: "shop", labels: api.labels } };
    expect(ev.check(from, { ip: "93.184.216.34", entity: "world" }, 443, "TCP")).toMatchObject({ allowed: false, nameUnknown: true });
    // No toFQDNs rule on that port: a plain denial.
    expect(ev.check(from, { ip: "93.184.216.34", entity: "world" }, 80, "TCP").nameUnknown).toBeUndefined();
    expect(ev.check(from, { ip: "93.184.216.34", entity: "world", names: ["x.example.com"] }, 443, "TCP").nameUnknown).toBeUndefined();
  });
});

describe("the demo", () => {
  it("shows the payments API by name in Cilium output", async () => {
    const r = await runCli(["gen", "netpol", "api", "-n", "shop", "--demo", "--output-dir", "", "--type", "cilium"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("- toFQDNs:\n        - matchName: payments.example.com\n");
  });
});
