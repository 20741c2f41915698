import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { plain, summaryLines } from "../../src/output/summary.ts";
import { ruleLines, toYaml } from "../../src/output/yaml.ts";
import { reviewRules } from "../../src/review/items.ts";
import { Cluster, svcPort, T0, tcp } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

/** web → api (Service 8080 → named port http = 9000) → db, all in shop. */
function threeTier() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" }, { ports: [tcp(8080, "http")] });
  const apis = c.deployment("shop", "api", { app: "api" }, { replicas: 2, ports: [tcp(9000, "http")] });
  const [db] = c.statefulSet("shop", "db", { app: "db" }, { ports: [tcp(5432, "pg")] });
  c.service("shop", "api", "10.96.1.20", { app: "api" }, [svcPort(8080, "http", "http")]);
  c.service("shop", "db", "10.96.1.30", { app: "db" }, [svcPort(5432, 5432)]);
  for (const a of apis) c.connect(web!, a, 9000, { dial: { ip: "10.96.1.20", port: 8080 }, times: 3 });
  for (const a of apis) c.connect(a, db!, 5432, { dial: { ip: "10.96.1.30", port: 5432 } });
  return { c, web: web!, apis, db: db! };
}

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
      "deployment shop/web: egress rule to external 1.1.1.1/32 dropped: 1 flow(s) < --min-flows 2",
    );
  });

  it("--since ignores older rows", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "1.1.1.1", 443, { at: T0 }).row(web!, "EGRESS", "8.8.8.8", 443, { at: T0 + 600_000 });
    const r = gen(c, { since: T0 + 300_000 });
    expect(r.yaml()).not.toContain("1.1.1.1/32");
    expect(r.result.skipped["before-since"]).toBe(1);
  });
});

describe("DNS", () => {
  it("a lookup becomes UDP and TCP 53 to the real DNS pods in kube-system", () => {
    const c = new Cluster();
    c.dns("10.96.0.10");
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
    const egress = gen(c, { scope: { kind: "namespace", namespace: "shop" } }).byName("web-guardian").spec.egress;
    expect(egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { port: 53, protocol: "TCP" },
          { port: 53, protocol: "UDP" },
        ],
      },
    ]);
  });

  it("--allow-dns adds the DNS rule to every egress policy even without an observed lookup", () => {
    const c = new Cluster();
    c.dns();
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "1.1.1.1", 443);
    const r = gen(c, { allowDns: true, scope: { kind: "namespace", namespace: "shop" } });
    expect(r.yaml()).toContain("added by --allow-dns");
    expect(r.byName("web-guardian").spec.egress?.[0]?.ports).toEqual([
      { port: 53, protocol: "TCP" },
      { port: 53, protocol: "UDP" },
    ]);
    expect(gen(c, { allowDns: false }).yaml()).not.toContain("kube-dns");
  });

  it("--min-flows never drops the DNS rule that --allow-dns promises", () => {
    const c = new Cluster();
    c.dns();
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" }).row(web!, "EGRESS", "1.1.1.1", 443);
    const r = gen(c, { allowDns: true, minFlows: 5, scope: { kind: "namespace", namespace: "shop" } });
    expect(r.byName("web-guardian").spec.egress?.[0]?.to?.[0]?.podSelector).toEqual({ matchLabels: { "k8s-app": "kube-dns" } });
    expect(r.yaml()).not.toContain("1.1.1.1/32");
  });

  it("a UDP server with no client evidence is warned about", () => {
    const c = new Cluster();
    const [stats] = c.deployment("mon", "statsd", { app: "statsd" }, { ports: [{ name: "udp", port: 8125, protocol: "UDP" }] });
    c.row(stats!, "EGRESS", "1.1.1.1", 443);
    const r = gen(c);
    expect(r.result.warnings.find((w) => w.code === "udp-unseen")?.message).toBe(
      "deployment mon/statsd declares UDP port 8125 but no client was seen using it (the broker records UDP only at the client); the policy denies it",
    );
  });

  it("the DNS server's ingress comes from its clients' UDP egress rows", () => {
    const c = new Cluster();
    c.dns();
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
    const coredns = gen(c).byName("coredns-guardian");
    expect(coredns.spec.ingress?.[0]).toEqual({
      from: [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } }, podSelector: { matchLabels: { app: "web" } } },
      ],
      ports: [{ port: 53, protocol: "UDP" }],
    });
  });
});

describe("never wider than asked", () => {
  it("an unlabeled target alone in its namespace gets no policy (no non-empty selector exists) and a warning to label it", () => {
    const c = new Cluster();
    const bare = c.pod("shop", "bare", { owner: null });
    c.row(bare, "EGRESS", "1.1.1.1", 443);
    const r = gen(c);
    expect(r.objects).toEqual([]);
    expect(r.result.failed).toEqual([expect.objectContaining({ reason: "unlabeled" })]);
    expect(r.result.failed[0]?.message).toMatch(/add a label/);
  });

  it("no generated peer or target is ever empty, and no CIDR is wider than one address", () => {
    const { c } = threeTier();
    c.dns();
    const r = gen(c, { allowDns: true });
    for (const o of r.objects) {
      const spec = (o.object as { spec: import("../support/generate.ts").Spec }).spec;
      expect(Object.keys(spec.podSelector.matchLabels ?? {}).length).toBeGreaterThan(0);
      for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
        expect(rule.ports?.length).toBeGreaterThan(0);
        for (const peer of [...("from" in rule ? (rule.from ?? []) : []), ...("to" in rule ? (rule.to ?? []) : [])]) {
          if (peer.podSelector) expect(Object.keys(peer.podSelector.matchLabels ?? {}).length).toBeGreaterThan(0);
          if (peer.ipBlock) expect(peer.ipBlock.cidr).toMatch(/\/(32|128)$/);
        }
      }
    }
  });

  it("a selector that also matches another workload is reported", () => {
    const c = new Cluster();
    const [a] = c.deployment("ns", "a", { app: "shared", role: "a" }, { selector: { app: "shared" } });
    c.deployment("ns", "b", { app: "shared", role: "b" }, { selector: { app: "shared", role: "b" } });
    c.row(a!, "EGRESS", "1.1.1.1", 443);
    const r = gen(c, { scope: { kind: "pod", namespace: "ns", name: a!.name } });
    expect(r.result.warnings.find((w) => w.code === "selector-wide")?.message).toContain("also matches deployment b");
  });

  it("a workload with no traffic gets no policy, reported as no traffic", () => {
    const c = new Cluster();
    c.deployment("ns", "idle", { app: "idle" });
    const r = gen(c);
    expect(r.result.failed.map((f) => f.reason)).toEqual(["no-traffic"]);
  });
});

describe("shape and determinism", () => {
  it("groups peers with identical ports into one rule, ports sorted and deduplicated", () => {
    const c = new Cluster();
    const [db] = c.statefulSet("data", "db", { app: "db" });
    const [a] = c.deployment("data", "a", { app: "a" });
    const [b] = c.deployment("data", "b", { app: "b" });
    c.connect(a!, db!, 5432, { times: 2 }).connect(b!, db!, 5432).connect(b!, db!, 9187);
    const ingress = gen(c).byName("db-guardian").spec.ingress;
    expect(ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: "a" } } }], ports: [{ port: 5432, protocol: "TCP" }] },
      {
        from: [{ podSelector: { matchLabels: { app: "b" } } }],
        ports: [
          { port: 5432, protocol: "TCP" },
          { port: 9187, protocol: "TCP" },
        ],
      },
    ]);
  });

  it("every rule carries a stable id and its evidence as a comment", () => {
    const { c } = threeTier();
    const yaml = gen(c).yaml();
    expect(yaml).toMatch(/# r-[0-9a-f]{12}: deployment shop\/api; 6 flows, 2026-05-12T10:00:\d\dZ \.\. 2026-05-12T10:00:\d\dZ; seen by /);
    const ids = (s: string) => [...s.matchAll(/r-[0-9a-f]{12}/g)].map((m) => m[0]);
    const reversed = threeTier().c;
    reversed.wire.traffic.reverse();
    expect(ids(gen(reversed).yaml())).toEqual(ids(yaml));
  });

  it("same input, same bytes, whatever the row order", () => {
    const a = threeTier().c;
    const b = threeTier().c;
    b.wire.traffic.reverse();
    b.wire.pods.reverse();
    expect(gen(b).yaml()).toBe(gen(a).yaml());
  });

  it("carries managed-by, workload and observation-window metadata", () => {
    const { c } = threeTier();
    const meta = gen(c).byName("api-guardian").metadata as { labels: Record<string, string>; annotations: Record<string, string> };
    expect(meta.labels["app.kubernetes.io/managed-by"]).toBe("kubectl-guardian");
    expect(meta.annotations).toMatchObject({
      "guardian.kubectl.io/workload": "Deployment/api",
      "guardian.kubectl.io/generator": "kubectl-guardian/test",
      "guardian.kubectl.io/flows": "8",
    });
  });

  it("--policy-types Egress restricts only that direction", () => {
    const { c } = threeTier();
    const api = gen(c, { policyTypes: ["Egress"] }).byName("api-guardian");
    expect(api.spec.policyTypes).toEqual(["Egress"]);
    expect(api.spec.ingress).toBeUndefined();
  });

  it("--default-deny adds one default-deny policy per namespace", () => {
    const { c } = threeTier();
    const r = gen(c, { defaultDeny: true, scope: { kind: "namespace", namespace: "shop" } });
    const dd = r.byName("default-deny");
    expect(dd.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(r.objects[0]?.fileName).toBe("shop-default-deny-networkpolicy.yaml");
  });

  it("long workload names fit the 253-character name and 63-character label limits", () => {
    const c = new Cluster();
    const long = "x".repeat(250);
    const [w] = c.deployment("ns", long, { app: "long" });
    c.row(w!, "EGRESS", "1.1.1.1", 443);
    const meta = gen(c).objects[0]?.object.metadata as { name: string; labels: Record<string, string> };
    expect(meta.name.length).toBeLessThanOrEqual(253);
    expect(meta.name).toMatch(/-guardian$/);
    for (const v of Object.values(meta.labels)) expect(v.length).toBeLessThanOrEqual(63);
  });

  it("every generated object validates against the Kubernetes NetworkPolicy schema", () => {
    const { c } = threeTier();
    c.dns();
    c.apiServer();
    const r = gen(c, { allowDns: true, defaultDeny: true });
    expect(r.objects.length).toBeGreaterThan(3);
    for (const o of r.objects) expect(() => new NetworkPolicy(o.object as never).validate()).not.toThrow();
  });
});

describe("observation time", () => {
  function twoWorkloads() {
    const c = new Cluster();
    c.dns();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [db] = c.statefulSet("shop", "db", { app: "db" });
    c.row(web!, "EGRESS", "198.51.100.1", 443, { at: T0 });
    c.row(db!, "INGRESS", "203.0.113.5", 5432, { at: T0 + 4 * 60_000 });
    return c;
  }
  const short = (readAt: number) =>
    gen(twoWorkloads(), { allowDns: true, readAt })
      .result.warnings.filter((w) => w.code === "short-observation")
      .map((w) => w.message);

  it("warns about a workload first seen less than 5 minutes before the data was read", () => {
    expect(short(T0 + 6 * 60_000 + 30_000)).toEqual([
      "statefulset shop/db: traffic observed for only 2m30s; rules may be missing (let it run under normal load for 5-15 minutes, then re-run)",
    ]);
    expect(short(T0 + 4 * 60_000 + 40_000)).toEqual([
      "deployment shop/web: traffic observed for only 4m40s; rules may be missing (let it run under normal load for 5-15 minutes, then re-run)",
      "statefulset shop/db: traffic observed for only 40s; rules may be missing (let it run under normal load for 5-15 minutes, then re-run)",
    ]);
  });

  it("is quiet from 5 minutes on, and without a read time; an added DNS rule is not evidence", () => {
    expect(short(T0 + 9 * 60_000)).toEqual([]);
    expect(gen(twoWorkloads(), { allowDns: true }).result.warnings.map((w) => w.code)).not.toContain("short-observation");
  });
});

describe("system namespaces", () => {
  it("a policy for a kube-system workload carries a warning the review shows with its rules", () => {
    const c = new Cluster();
    const [dns] = c.dns();
    const [web] = c.deployment("shop", "web", { app: "web" });
    c.row(web!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" });
    c.row(dns!, "EGRESS", "1.1.1.1", 53, { proto: "UDP" });
    const w = (scope: Parameters<typeof gen>[1]) =>
      gen(c, scope)
        .result.warnings.filter((x) => x.code === "system-namespace")
        .map((x) => x.message);
    expect(w({})).toEqual([
      "deployment kube-system/coredns: a flow this policy misses in kube-system can break the whole cluster; review it with care before applying",
    ]);
    expect(w({ scope: { kind: "namespace", namespace: "shop" } })).toEqual([]);
    const r = gen(c);
    const shown = reviewRules(r.result.policies, r.objects, toYaml, ruleLines, r.index, r.result.warnings).find(
      (x) => x.workload === "deployment kube-system/coredns",
    );
    expect(shown?.warnings.some((x) => x.includes("can break the whole cluster"))).toBe(true);
  });
});

describe("the run summary", () => {
  it("over hundreds of workloads shows a few warnings of each kind and counts the rest; -v shows them all", () => {
    const c = new Cluster();
    for (let i = 0; i < 8; i++) {
      const [p] = c.deployment("shop", `w${i}`, { app: `w${i}` });
      c.row(p!, "EGRESS", `198.51.100.${i + 1}`, 443, { at: T0 });
    }
    const r = gen(c, { readAt: T0 + 60_000 });
    const kind = { one: "NetworkPolicy", many: "NetworkPolicies" };
    const short = (lines: string[]) => lines.filter((l) => l.includes("observed for only") || l.includes("short-observation"));
    const few = short(summaryLines(r.result, r.objects.length, kind, plain));
    expect(few).toHaveLength(5);
    expect(few[4]).toBe("warning: … and 4 more short-observation warnings (-v lists them all)");
    expect(short(summaryLines(r.result, r.objects.length, kind, plain, undefined, true))).toHaveLength(8);
    expect(summaryLines(r.result, r.objects.length, kind, plain).at(-1)).toBe("8 warnings");
    // Each missing permission is one the user must ask for: never collapsed.
    const rbac = Array.from({ length: 7 }, (_, i) => ({ code: "rbac", message: `cannot list r${i} in all namespaces (forbidden)` }));
    const lines = summaryLines({ ...r.result, warnings: rbac }, r.objects.length, kind, plain);
    expect(lines.filter((l) => l.startsWith("warning: cannot list"))).toHaveLength(7);
  });
});
