// policy: rules from resolved connections (DNS, exactness, shape, determinism) and what a run says about them.
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { plain, summaryLines } from "../../src/output/summary.ts";
import { ruleLines, toYaml } from "../../src/output/yaml.ts";
import { reviewRules } from "../../src/review/items.ts";
import { Cluster, T0 } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

import { threeTier } from "../support/scenarios.ts";

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
    // An agent that watches kube-system (its default excludes it).
    c.inventory.agent = { excludedNamespaces: ["kguardian"], ignoreDaemonSetTraffic: true, source: "test" };
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
    expect(yaml).toMatch(
      /# r-[0-9a-f]{12}: deployment shop\/api; 6 connections first seen 2026-05-12T10:00:\d\dZ \.\. 2026-05-12T10:00:\d\dZ; seen by /,
    );
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
      "guardian.kubectl.io/connections": "8",
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
    // An agent that watches kube-system (its default excludes it).
    c.inventory.agent = { excludedNamespaces: ["kguardian"], ignoreDaemonSetTraffic: true, source: "test" };
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
