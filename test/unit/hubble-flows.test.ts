// Hubble's flows as evidence: the same traffic gives the same policies as from the broker (with the
// cluster's inventory and offline from the flows alone); what is not evidence is counted, never a rule.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { generate } from "../../src/pipeline/generate.ts";
import { HubbleFlowReader, offlineInventory } from "../../src/sources/hubble/flows.ts";
import { Cluster, T0, tcp } from "../support/builders.ts";
import { defaults } from "../support/generate.ts";
import { endpoint, flow, flowsOf, world } from "../support/hubble.ts";
import { runCli } from "../support/io.ts";

function scenario() {
  const c = new Cluster().node("worker-1", "10.0.0.11");
  const webs = c.deployment("shop", "web", { app: "web" }, { replicas: 2, ports: [tcp(8080, "http")] });
  const apis = c.deployment("shop", "api", { app: "api", tier: "backend" }, { replicas: 2, ports: [tcp(9000, "http")] });
  const [db] = c.statefulSet("data", "db", { app: "db" }, { ports: [tcp(5432, "pg")] });
  const [job] = c.deployment("batch", "reporter", { app: "reporter" });
  for (const w of webs) for (const a of apis) c.connect(w, a, 9000, { times: 2 });
  for (const a of apis) c.connect(a, db!, 5432);
  c.connect(job!, db!, 5432);
  c.row(webs[0]!, "INGRESS", "203.0.113.7", 8080).row(webs[1]!, "INGRESS", "198.51.100.20", 8080);
  c.row(apis[0]!, "EGRESS", "192.0.2.10", 443);
  c.row(job!, "EGRESS", "192.0.2.53", 53, { proto: "UDP" });
  c.row(apis[1]!, "EGRESS", "192.0.2.99", 25, { decision: "DROP" });
  return { c, webs, apis, db: db! };
}

const read = (lines: string[], o: { includeAudit?: boolean } = {}) => {
  const r = new HubbleFlowReader(o);
  for (const l of lines) r.add(l);
  return r.result();
};
const opts = { ...defaults, scope: { kind: "all" as const } };
const objects = (g: ReturnType<typeof generate>) => g.objects.map((o) => o.object);
const ids = (g: ReturnType<typeof generate>) => g.result.policies.flatMap((p) => [...p.ingress, ...p.egress].map((r) => r.id)).sort();

describe("Hubble flows as evidence", () => {
  const { c } = scenario();
  const broker = generate(c.inventory, c.data(), opts);

  it("give the broker's policies and rule ids for the same traffic, wrapped or bare", () => {
    for (const wrap of [true, false]) {
      const h = read(flowsOf(c.inventory, c.data(), wrap));
      const g = generate(c.inventory, { pods: h.pods, services: [], rows: h.rows }, opts);
      expect(objects(g)).toEqual(objects(broker));
      expect(ids(g)).toEqual(ids(broker));
    }
    expect(broker.objects.length).toBe(4);
  });

  it("give the same policies offline, from the flows' own endpoints", () => {
    const h = read(flowsOf(c.inventory, c.data()));
    const g = generate(offlineInventory(h), { pods: h.pods, services: [], rows: h.rows }, opts);
    expect(objects(g)).toEqual(objects(broker));
    expect(h.pods.find((p) => p.name.startsWith("api-"))?.labels).toEqual({
      app: "api",
      tier: "backend",
      "pod-template-hash": "5d8f7c9b4",
    });
    expect(offlineInventory(h).namespaces.map((n) => n.name)).toEqual(["batch", "data", "shop"]);
  });

  it("never takes a reply, an L7 record, an unknown verdict or an AUDIT as a connection; counts each", () => {
    const { webs, apis } = scenario();
    const [web, api] = [webs[0]!, apis[0]!];
    const base = {
      time: T0,
      src: { ip: api.ips[0]!, port: 9000, ep: endpoint(api) },
      dst: { ip: web.ips[0]!, port: 41000, ep: endpoint(web) },
    };
    const lines = [
      flow({ ...base, direction: "EGRESS", reply: true }),
      flow({ ...base, direction: "EGRESS", type: "L7", l7: { type: "RESPONSE", http: { code: 200, method: "GET", url: "http://web/" } } }),
      flow({ ...base, direction: "EGRESS", verdict: "TRACED" }),
      flow({ ...base, direction: "EGRESS", verdict: "AUDIT" }),
      flow({ ...base, direction: "EGRESS", verdict: "DROPPED" }),
      { ...flow({ ...base, direction: "EGRESS" }), traffic_direction: "TRAFFIC_DIRECTION_UNKNOWN" },
      flow({ ...base, direction: "EGRESS", src: { ip: "10.0.0.11", port: 1, ep: { labels: ["reserved:host"] } } }),
    ].map((f) => JSON.stringify({ flow: f }));
    const h = read([...lines, "not json", '{"node_status":{"state":"NODE_CONNECTED"}}', ""]);
    expect(h.skipped).toEqual({ reply: 1, l7: 1, "other-verdict": 1, audit: 1, "no-direction": 1, "no-endpoint": 1, malformed: 1 });
    expect(h.verdicts).toEqual({ TRACED: 1 });
    // The dropped flow is a DROP row: resolve counts it and never allows it.
    expect(h.rows.map((r) => r.decision)).toEqual(["DROP"]);
    expect(
      read(lines, { includeAudit: true })
        .rows.map((r) => r.decision)
        .sort(),
    ).toEqual(["ALLOW", "DROP"]);
  });

  it("keeps one row per tuple with its first time, as a 1.20 broker row means", () => {
    const { webs, apis } = scenario();
    const [web, api] = [webs[0]!, apis[0]!];
    const at = (time: number, port: number) =>
      JSON.stringify(
        flow({
          time,
          direction: "EGRESS",
          src: { ip: web.ips[0]!, port, ep: endpoint(web) },
          dst: { ip: api.ips[0]!, port: 9000, ep: endpoint(api) },
        }),
      );
    const h = read([at(T0 + 5000, 40001), at(T0, 40002), at(T0 + 9000, 40003)]);
    expect(h.rows).toHaveLength(1);
    expect(h.rows[0]).toMatchObject({ time: T0, podPort: "0", peerPort: "9000", peer: { kind: "pod", name: api.name } });
  });

  it("turns hostile endpoints into counted skips, never into a selector", () => {
    const { webs } = scenario();
    const web = webs[0]!;
    const bad = (ep: Record<string, unknown>) =>
      JSON.stringify(
        flow({
          time: T0,
          direction: "INGRESS",
          src: { ip: "203.0.113.9", port: 5000, ep: world() },
          dst: { ip: web.ips[0]!, port: 8080, ep },
        }),
      );
    const h = read([
      bad({ ...endpoint(web), labels: ["k8s:app=web\u0000;rm -rf"] }),
      bad({ ...endpoint(web), labels: [`k8s:${"x".repeat(100_000)}=1`] }),
      bad({ ...endpoint(web), pod_name: "Web_Pod" }),
      bad({ ...endpoint(web), namespace: "../etc" }),
      JSON.stringify({ flow: { ...JSON.parse(bad(endpoint(web))).flow, IP: { source: "999.1.1.1", destination: web.ips[0] } } }),
    ]);
    expect(h.rows).toEqual([]);
    expect(h.pods).toEqual([]);
    expect(h.skipped).toEqual({ malformed: 3, "no-endpoint": 2 });
  });
});

describe("gen --from-hubble", () => {
  const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS());

  it("writes the broker's policies from a flow file, offline, and says what it lacks and skipped", async () => {
    const { c, apis, webs } = scenario();
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-hubble-"));
    const file = path.join(dir, "flows.json");
    const reply = flow({
      time: T0,
      direction: "EGRESS",
      reply: true,
      src: { ip: apis[0]!.ips[0]!, port: 9000, ep: endpoint(apis[0]!) },
      dst: { ip: webs[0]!.ips[0]!, port: 41000, ep: endpoint(webs[0]!) },
    });
    await writeFile(file, [...flowsOf(c.inventory, c.data()), JSON.stringify({ flow: reply })].join("\n"));
    await writeFile(path.join(dir, "snap.json"), JSON.stringify(c.snapshot()));
    const env = { HOME: dir };
    const hubble = await runCli(["gen", "netpol", "--all", "-A", "--from-hubble", file, "--output-dir", ""], { env });
    const snap = await runCli(["gen", "netpol", "--all", "-A", "--from-snapshot", path.join(dir, "snap.json"), "--output-dir", ""], {
      env,
    });
    expect(hubble.code, hubble.stderr).toBe(0);
    expect(docs(hubble.stdout)).toEqual(docs(snap.stdout));
    expect(hubble.stderr).toMatch(/no cluster inventory .*: selectors are the pods' own labels/);
    expect(hubble.stderr).toMatch(/Hubble flows not used as evidence: 1 replies/);
  });

  it("refuses a file without flows, and --include-audit without --from-hubble", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-hubble-"));
    await writeFile(path.join(dir, "empty.json"), '{"node_status":{}}\n');
    const r = await runCli(["gen", "netpol", "-A", "--from-hubble", path.join(dir, "empty.json")], { env: { HOME: dir } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: Hubble flows .*empty.json holds no Hubble flows$/m);
    const a = await runCli(["gen", "netpol", "-A", "--demo", "--include-audit"], { env: { HOME: dir } });
    expect(a.stderr).toMatch(/^error: --include-audit needs --from-hubble/m);
    const both = await runCli(["gen", "netpol", "-A", "--demo", "--from-hubble", "x"], { env: { HOME: dir } });
    expect(both.stderr).toMatch(/^error: --demo and --from-hubble cannot be combined/m);
  });

  it("verify replays the flows against proposed policies: a flow they do not admit is reported, exit 4", async () => {
    const { c } = scenario();
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-hubble-"));
    const file = path.join(dir, "flows.json");
    await writeFile(file, flowsOf(c.inventory, c.data()).join("\n"));
    const env = { HOME: dir };
    const gen = await runCli(["gen", "netpol", "--all", "-A", "--from-hubble", file, "--output-dir", ""], { env });
    // Without the web policy's rule for one internet client, that client's observed way in is cut.
    const docs = parseAllDocuments(gen.stdout).map((d) => d.toJS());
    for (const d of docs)
      d.spec.ingress = d.spec.ingress?.filter(
        (r: { from?: { ipBlock?: { cidr: string } }[] }) => !r.from?.some((p) => p.ipBlock?.cidr === "198.51.100.20/32"),
      );
    const cut = docs.map((d) => stringify(d)).join("---\n");
    await writeFile(path.join(dir, "all.yaml"), gen.stdout);
    const ok = await runCli(["verify", "-A", "--from-hubble", file, "--policies", path.join(dir, "all.yaml")], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(cut).not.toBe(gen.stdout);
    await writeFile(path.join(dir, "cut.yaml"), cut);
    const bad = await runCli(["verify", "-A", "--from-hubble", file, "--policies", path.join(dir, "cut.yaml")], { env });
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/^DENY .*198\.51\.100\.20/m);
  });

  it("diff --from-hubble needs the cluster it compares with, and says so in one line", async () => {
    const { c } = scenario();
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-hubble-"));
    const file = path.join(dir, "flows.json");
    await writeFile(file, flowsOf(c.inventory, c.data()).join("\n"));
    const r = await runCli(["diff", "netpol", "--all", "-A", "--from-hubble", file], { env: { HOME: dir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: diff compares with the cluster's live policies, and no cluster answered$/m);
  });
});
