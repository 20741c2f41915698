// Golden files for the seed guide's scenarios. Update after a deliberate change with: npm run golden:update
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { plain, summaryLines } from "../../src/output/summary.ts";
import { toYamlStream } from "../../src/output/yaml.ts";
import { Cluster, svcPort, T0, tcp } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

const DIR = path.resolve(import.meta.dirname, "../fixtures/golden");
const update = process.env.UPDATE_GOLDEN === "1";

function golden(name: string, actual: string): void {
  const file = path.join(DIR, name);
  if (update) {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`${file} is missing; run npm run golden:update`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

/** Scenario 1: ingress controller → frontend → backend → database, with DNS. */
function threeTier() {
  const c = new Cluster().node("worker-1", "10.0.0.11");
  c.dns();
  const [ing] = c.deployment(
    "ingress-nginx",
    "ingress-nginx-controller",
    { "app.kubernetes.io/name": "ingress-nginx" },
    { ports: [tcp(443, "https")] },
  );
  const fe = c.deployment("myapp", "frontend", { app: "frontend", tier: "web" }, { replicas: 2, ports: [tcp(8080, "http")] });
  const be = c.deployment("myapp", "backend", { app: "backend", tier: "api" }, { replicas: 2, ports: [tcp(9000, "http")] });
  const [db] = c.statefulSet("myapp", "database", { app: "database", tier: "db" }, { ports: [tcp(5432, "postgres")] });
  c.service("myapp", "frontend", "10.96.10.1", { app: "frontend" }, [svcPort(80, "http", "http")]);
  c.service("myapp", "backend", "10.96.10.2", { app: "backend" }, [svcPort(8080, "http", "http")]);
  c.service("myapp", "database", "10.96.10.3", { app: "database" }, [svcPort(5432, "postgres", "postgres")]);
  c.row(ing!, "INGRESS", "203.0.113.7", 443);
  for (const f of fe) {
    c.connect(ing!, f, 8080, { dial: { ip: "10.96.10.1", port: 80 }, times: 3 });
    c.row(f, "INGRESS", "10.0.0.11", 8080); // kubelet probe
    for (const b of be) c.connect(f, b, 9000, { dial: { ip: "10.96.10.2", port: 8080 }, times: 2 });
    c.row(f, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
  }
  for (const b of be) {
    c.connect(b, db!, 5432, { dial: { ip: "10.96.10.3", port: 5432 }, times: 4 });
    c.row(b, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
  }
  return c;
}

describe("seed scenarios", () => {
  it("1. three tiers: each tier allows exactly its neighbours", () => {
    const r = gen(threeTier(), { allowDns: true, scope: { kind: "namespace", namespace: "myapp" } });
    expect(r.result.failed).toEqual([]);
    golden("three-tier.yaml", toYamlStream(r.objects));
  });

  it("2. multi-namespace: staging app to the shared database in data", () => {
    const c = new Cluster();
    c.dns();
    const [app] = c.deployment("staging", "my-app", { app: "my-app" });
    const [pg] = c.statefulSet("data", "postgres", { app: "postgres" }, { ports: [tcp(5432, "postgres")] });
    c.service("data", "postgres", "10.96.20.1", { app: "postgres" }, [svcPort(5432, "postgres")]);
    c.connect(app!, pg!, 5432, { dial: { ip: "10.96.20.1", port: 5432 }, times: 5 });
    c.row(app!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
    const r = gen(c, { allowDns: true, scope: { kind: "pod", namespace: "staging", name: app!.name } });
    golden("multi-namespace.yaml", toYamlStream(r.objects));
  });

  it("3. default deny plus the allowlist, for a whole namespace", () => {
    const r = gen(threeTier(), { allowDns: true, defaultDeny: true, scope: { kind: "namespace", namespace: "myapp" } });
    expect(r.objects[0]?.fileName).toBe("myapp-default-deny-networkpolicy.yaml");
    golden("default-deny.yaml", toYamlStream(r.objects));
  });

  it("4. no traffic: no policy, and a summary that says why; an unlabeled pod selected by the labels it lacks", () => {
    const c = threeTier();
    c.deployment("myapp", "cron-worker", { app: "cron-worker" });
    const bare = c.pod("myapp", "debug-shell", { owner: null });
    c.row(bare, "EGRESS", "1.1.1.1", 443);
    const r = gen(c, { allowDns: true, scope: { kind: "namespace", namespace: "myapp" } });
    expect(r.result.failed.map((f) => `${f.workload.name}:${f.reason}`)).toEqual(["cron-worker:no-traffic"]);
    golden(
      "no-traffic-unlabeled.txt",
      `${summaryLines(r.result, r.objects.length, { one: "NetworkPolicy", many: "NetworkPolicies" }, plain).join("\n")}\n`,
    );
  });
});

describe("a 1.20 broker's evidence, whole", () => {
  it("5. evidence wording, a truncated pod, a blind-spot warning and a host-network note", async () => {
    const { runCli } = await import("../support/io.ts");
    const c = new Cluster().node("worker-1", "172.18.0.3");
    c.dns();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [api] = c.deployment("shop", "api", { app: "api" }, { ports: [tcp(8080, "http")] });
    c.inventory.workloads.push({ kind: "DaemonSet", name: "log-agent", namespace: "shop", selector: { app: "log-agent" } });
    c.pod("shop", "log-agent-x1", { labels: { app: "log-agent" }, owner: { kind: "DaemonSet", name: "log-agent" } });
    c.inventory.workloads.push({ kind: "DaemonSet", name: "node-exporter", namespace: "shop", selector: { app: "node-exporter" } });
    c.pod(
      "shop",
      "node-exporter-x1",
      { labels: { app: "node-exporter" }, owner: { kind: "DaemonSet", name: "node-exporter" }, hostNetwork: true },
      "172.18.0.3",
    );
    c.connect(web!, api!, 8080).row(web!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
    // The api pod's answer reaches the broker's cap: its newest 20,000 rows only.
    for (let i = 0; i < 20_000; i++) c.row(api!, "EGRESS", `198.51.100.${1 + (i % 3)}`, 443, { at: T0 + 60_000 + i });
    for (const p of c.wire.pods)
      Object.assign(p, {
        pod_ips: [p.pod_ip],
        host_network: p.pod_obj && JSON.stringify(p.pod_obj).includes('"hostNetwork":true'),
        started_at: p.time_stamp,
      });
    const r = await runCli(["gen", "netpol", "--all", "-n", "shop", "--from-snapshot", "-", "--output-dir", "", "--yes"], {
      stdin: JSON.stringify(c.snapshot()),
    });
    golden("broker-120.txt", `exit ${r.code}\n--- stderr\n${r.stderr}--- stdout\n${r.stdout}`);
  });
});
