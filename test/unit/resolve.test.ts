import { describe, expect, it } from "vitest";
import { Cluster, T0, tcp } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

import { threeTier } from "../support/scenarios.ts";

describe("resolution", () => {
  it("a Service peer gets the target port behind it, not the Service port", () => {
    const { c } = threeTier();
    const web = gen(c).byName("web-guardian");
    expect(web.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { app: "api" } } }], ports: [{ port: 9000, protocol: "TCP" }] }]);
  });

  it("a connection is evidence on both ends: client egress and server ingress", () => {
    const { c } = threeTier();
    const api = gen(c).byName("api-guardian");
    expect(api.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 9000, protocol: "TCP" }] },
    ]);
    expect(api.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 5432, protocol: "TCP" }] }]);
    const db = gen(c).byName("db-guardian");
    expect(db.spec.ingress?.[0]?.from).toEqual([{ podSelector: { matchLabels: { app: "api" } } }]);
    expect(db.spec.egress).toBeUndefined();
    expect(db.spec.policyTypes).toEqual(["Ingress", "Egress"]);
  });

  it("a peer in another namespace is one entry with namespaceSelector AND podSelector", () => {
    const c = new Cluster();
    const [app] = c.deployment("staging", "my-app", { app: "my-app" });
    const [pg] = c.statefulSet("data", "postgres", { app: "postgres" }, { ports: [tcp(5432)] });
    c.connect(app!, pg!, 5432);
    const p = gen(c).byName("my-app-guardian");
    expect(p.spec.egress?.[0]?.to).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } }, podSelector: { matchLabels: { app: "postgres" } } },
    ]);
  });

  it("warns when a peer's namespace lacks kubernetes.io/metadata.name (clusters before 1.21)", () => {
    const c = new Cluster();
    const [app] = c.deployment("staging", "my-app", { app: "my-app" });
    const [pg] = c.statefulSet("data", "postgres", { app: "postgres" });
    c.connect(app!, pg!, 5432);
    const data = c.inventory.namespaces.find((n) => n.name === "data");
    if (data) data.labels = {};
    const r = gen(c, { scope: { kind: "pod", namespace: "staging", name: app!.name } });
    expect(r.result.warnings.find((w) => w.code === "namespace-label")?.message).toBe(
      "namespace data has no kubernetes.io/metadata.name label (Kubernetes before 1.21), so peers in it will not match; run: kubectl label namespace data kubernetes.io/metadata.name=data",
    );
    expect(r.wouldBreak).toHaveLength(1);
  });

  it("selectors use the controller's matchLabels, never rollout-specific labels", () => {
    const c = new Cluster();
    const [a] = c.deployment("ns", "a", { app: "a", team: "x" }, { selector: { app: "a" } });
    const [b] = c.statefulSet("ns", "b", { app: "b" });
    c.connect(a!, b!, 80);
    const r = gen(c);
    expect(r.byName("a-guardian").spec.podSelector).toEqual({ matchLabels: { app: "a" } });
    expect(r.byName("b-guardian").spec.podSelector).toEqual({ matchLabels: { app: "b" } });
    expect(r.yaml()).not.toMatch(/pod-template-hash|controller-revision-hash|statefulset.kubernetes.io\/pod-name/);
  });

  it("a bare pod is selected by its labels minus volatile keys", () => {
    const c = new Cluster();
    const solo = c.pod("ns", "solo", { labels: { app: "solo" }, volatile: { "controller-uid": "123" }, owner: null });
    const [srv] = c.deployment("ns", "srv", { app: "srv" });
    c.connect(solo, srv!, 80);
    expect(gen(c).byName("solo-guardian").spec.podSelector).toEqual({ matchLabels: { app: "solo" } });
  });

  it("external IPv4 peers get /32 and IPv6 peers /128", () => {
    const c = new Cluster();
    const [api] = c.deployment("shop", "api", { app: "api" });
    c.row(api!, "EGRESS", "93.184.216.34", 443).row(api!, "EGRESS", "2606:4700:0:0::1111", 443);
    const cidrs = gen(c)
      .byName("api-guardian")
      .spec.egress?.flatMap((r) => r.to?.map((t) => t.ipBlock?.cidr));
    expect(cidrs).toEqual(["2606:4700::1111/128", "93.184.216.34/32"]);
  });

  it("the API server is its endpoint addresses on the endpoint port", () => {
    const c = new Cluster().apiServer("10.96.0.1", "172.18.0.2", 6443);
    const [op] = c.deployment("ops", "operator", { app: "operator" });
    c.row(op!, "EGRESS", "10.96.0.1", 443);
    expect(gen(c).byName("operator-guardian").spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: "172.18.0.2/32" } }], ports: [{ port: 6443, protocol: "TCP" }] },
    ]);
  });

  it("node and host-network peers become the node's address", () => {
    const c = new Cluster().node("worker-1", "10.0.0.11");
    const [web] = c.deployment("shop", "web", { app: "web" });
    const agent = c.pod("kube-system", "agent", { labels: { app: "agent" }, hostNetwork: true }, "10.0.0.12");
    c.row(web!, "INGRESS", "10.0.0.11", 8080).row(web!, "INGRESS", agent.ips[0]!, 9100);
    const ingress = gen(c, { scope: { kind: "namespace", namespace: "shop" } }).byName("web-guardian").spec.ingress;
    expect(ingress?.flatMap((r) => r.from?.map((f) => f.ipBlock?.cidr))).toEqual(["10.0.0.11/32", "10.0.0.12/32"]);
  });

  it("a peer IP is the pod that held it when the flow happened", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [old] = c.deployment("shop", "old", { app: "old" });
    // old held 10.244.9.9 until it died; then new took the IP over.
    c.inventory.pods = c.inventory.pods.filter((p) => p !== old);
    c.wire.pods = c.wire.pods.filter((p) => p.pod_name !== old!.name);
    old!.ips = ["10.244.9.9"];
    c.wire.pods.push(c.podRecord(old!, true, T0 - 7200_000));
    const fresh = c.pod("shop", "fresh-0", { labels: { app: "fresh" }, owner: null }, "10.244.9.9");
    fresh.createdAt = new Date(T0 + 50_000).toISOString();
    c.wire.pods = c.wire.pods.map((p) => (p.pod_name === "fresh-0" ? c.podRecord(fresh, false, T0 + 50_000) : p));
    c.row(web!, "EGRESS", "10.244.9.9", 80, { at: T0 + 10_000 }).row(web!, "EGRESS", "10.244.9.9", 81, { at: T0 + 90_000 });
    const to = gen(c, { scope: { kind: "pod", namespace: "shop", name: web!.name } }).byName("web-guardian").spec.egress;
    expect(to).toEqual([
      { to: [{ podSelector: { matchLabels: { app: "old" } } }], ports: [{ port: 80, protocol: "TCP" }] },
      { to: [{ podSelector: { matchLabels: { app: "fresh" } } }], ports: [{ port: 81, protocol: "TCP" }] },
    ]);
  });
});

describe("what is not evidence", () => {
  function noisy() {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "93.184.216.34", 443);
    c.row(web!, "EGRESS", "10.1.1.1", 5432, { decision: "DROP" });
    c.row(web!, "EGRESS", "10.1.1.2", 0, { proto: "ICMP" });
    c.row(web!, "EGRESS", "10.1.1.3", 0);
    c.row(web!, "EGRESS", "127.0.0.1", 8080);
    c.row(web!, "EGRESS", web!.ips[0]!, 8080);
    c.row(web!, "EGRESS", "10.1.1.4", 53, { proto: "GRE" });
    return c;
  }

  it("drops, unknown protocols, port 0, loopback and the pod itself are counted and skipped", () => {
    const r = gen(noisy());
    expect(r.result.skipped).toEqual({ dropped: 1, "unknown-protocol": 2, "invalid-port": 1, loopback: 1, self: 1 });
    expect(r.byName("web-guardian").spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: "93.184.216.34/32" } }], ports: [{ port: 443, protocol: "TCP" }] },
    ]);
    expect(r.result.warnings.map((w) => w.code)).toContain("unknown-protocol");
  });

  it("--include-dropped turns DROP rows into candidate rules", () => {
    const r = gen(noisy(), { includeDropped: true });
    expect(r.yaml()).toContain("10.1.1.1/32");
  });

  it("--min-flows drops thin rules and says so", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "1.1.1.1", 443).row(web!, "EGRESS", "8.8.8.8", 443).row(web!, "EGRESS", "8.8.8.8", 443);
    const r = gen(c, { minFlows: 2 });
    expect(r.yaml()).not.toContain("1.1.1.1/32");
    expect(r.yaml()).toContain("8.8.8.8/32");
    expect(r.result.skipped["below-min-flows"]).toBe(1);
    expect(r.result.warnings.find((w) => w.code === "below-min-flows")?.message).toBe(
      "deployment shop/web: egress rule to external 1.1.1.1/32 dropped: 1 connection(s) < --min-flows 2",
    );
  });

  it("--since drops connections first seen before it, unless their pod was alive in the window (they may still be open)", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const gone = { ...(web as NonNullable<typeof web>), name: "web-5d8f7c9b4-old11", ips: ["10.244.9.1"] };
    // A replica the broker last saw an hour before the window: its old connections are history.
    c.wire.pods.push(c.podRecord(gone, true, T0 - 3600_000));
    c.row(gone, "EGRESS", "9.9.9.9", 443, { at: T0 - 3600_000 });
    c.row(web!, "EGRESS", "1.1.1.1", 443, { at: T0 }).row(web!, "EGRESS", "8.8.8.8", 443, { at: T0 + 600_000 });
    const r = gen(c, { since: T0 + 300_000 });
    // First seen before the window by a pod that is alive now: kept.
    expect(r.yaml()).toContain("1.1.1.1/32");
    expect(r.yaml()).toContain("8.8.8.8/32");
    expect(r.yaml()).not.toContain("9.9.9.9/32");
    expect(r.result.skipped["before-since"]).toBe(1);
  });
});
