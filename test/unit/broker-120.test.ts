// The 1.20 broker's evidence read as it means it: identity stamped at capture, pods' start times,
// every address of a dual-stack pod.
import { describe, expect, it } from "vitest";
import { Cluster, naive, T0 } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

/** A pod the broker remembers but the API server no longer has, 1.20-shaped. */
function departed(c: Cluster, ns: string, name: string, app: string, ip: string, startedAt: number) {
  c.namespace(ns);
  c.wire.pods.push({
    pod_name: name,
    pod_ip: ip,
    pod_namespace: ns,
    pod_obj: { metadata: { name, namespace: ns, labels: { app } } },
    time_stamp: naive(startedAt + 600_000),
    node_name: "worker-1",
    is_dead: true,
    pod_identity: app,
    workload_selector_labels: { app },
    pod_ips: [ip],
    workload_kind: "Deployment",
    workload_name: app,
    capture_level: "full",
    host_network: false,
    started_at: naive(startedAt),
  });
}

/** Stamps the last row with the identity the broker resolved at capture. */
function stamp(c: Cluster, kind: string, ns: string, name: string, workload?: [string, string]) {
  const row = c.wire.traffic.at(-1) as Record<string, unknown>;
  Object.assign(row, {
    peer_kind: kind,
    peer_namespace: ns,
    peer_name: name,
    peer_uid: "00000000-0000-4000-8000-000000000001",
    peer_workload_kind: workload?.[0] ?? null,
    peer_workload_name: workload?.[1] ?? null,
    peer_resolved_at: naive(T0),
  });
}

const egressPeers = (r: ReturnType<typeof gen>, name: string) => JSON.stringify(r.byName(name).spec.egress);

describe("identity fixed at capture (1.20)", () => {
  it("a stamped peer decides, though another pod holds its address now", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [cache] = c.deployment("shop", "cache", { app: "cache" });
    departed(c, "shop", "old-db-1", "old-db", cache?.ips[0] as string, T0 - 7200_000);
    c.row(web!, "EGRESS", cache?.ips[0] as string, 5432, { at: T0 });
    stamp(c, "pod", "shop", "old-db-1", ["Deployment", "old-db"]);
    const r = gen(c, { scope: { kind: "pod", namespace: "shop", name: web!.name } });
    expect(egressPeers(r, "web-guardian")).toContain('"app":"old-db"');
    expect(egressPeers(r, "web-guardian")).not.toContain('"app":"cache"');
  });

  it("without a stamp, started_at decides which pod held a reused address", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const reused = "10.244.7.7";
    departed(c, "shop", "before-1", "before", reused, T0 - 7200_000);
    departed(c, "shop", "after-1", "after", reused, T0 + 3600_000);
    c.row(web!, "EGRESS", reused, 8080, { at: T0 });
    const r = gen(c, { scope: { kind: "pod", namespace: "shop", name: web!.name } });
    expect(egressPeers(r, "web-guardian")).toContain('"app":"before"');
    expect(egressPeers(r, "web-guardian")).not.toContain('"app":"after"');
  });

  it("a stamped node peer is the node, and an unresolved stamp falls back to the address", () => {
    const c = new Cluster().node("worker-2", "172.18.0.9");
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "172.18.0.9", 10250);
    stamp(c, "node", "", "worker-2");
    c.row(web!, "EGRESS", "203.0.113.5", 443);
    stamp(c, "pod", "gone", "nobody");
    const r = gen(c, { scope: { kind: "pod", namespace: "shop", name: web!.name } });
    expect(egressPeers(r, "web-guardian")).toContain("172.18.0.9/32");
    expect(egressPeers(r, "web-guardian")).toContain("203.0.113.5/32");
  });

  it("a dual-stack pod resolves on each of its addresses (pod_ips)", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    departed(c, "shop", "api-1", "api", "10.244.8.8", T0 - 7200_000);
    (c.wire.pods.at(-1) as Record<string, unknown>).pod_ips = ["10.244.8.8", "fd00::8"];
    c.row(web!, "EGRESS", "fd00::8", 8080, { at: T0 - 3600_000 });
    const r = gen(c, { scope: { kind: "pod", namespace: "shop", name: web!.name } });
    expect(egressPeers(r, "web-guardian")).toContain('"app":"api"');
  });
});

describe("honest evidence", () => {
  it("comments, annotations, the review and reports count connections and first sightings, never flows or a last-seen time", async () => {
    const { runCli } = await import("../support/io.ts");
    const r = await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""]);
    expect(r.stdout).toMatch(/# r-[0-9a-f]{12}: .*; \d+ connections? first seen \d{4}-/);
    expect(r.stdout).toContain("guardian.kubectl.io/first-seen:");
    expect(r.stdout).toContain("guardian.kubectl.io/newest-first-seen:");
    for (const word of [" flows", "flow,", "last seen", "observed-last", "/flows:"]) expect(r.stdout).not.toContain(word);
  });
});
