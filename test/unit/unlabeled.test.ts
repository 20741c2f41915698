// Pods without usable labels are selected by what they lack, exactly, or left out with a warning.
import { describe, expect, it } from "vitest";
import { Cluster } from "../support/builders.ts";
import { gen } from "../support/generate.ts";
import type { NetworkPolicyObject } from "../support/np-eval.ts";
import { allowed } from "../support/np-eval.ts";

const ns = (n: string) => ({ "kubernetes.io/metadata.name": n });
const ep = (p: { namespace: string; labels: Record<string, string>; ips: string[] }) => ({
  ip: p.ips[0] as string,
  pod: { namespace: p.namespace, labels: p.labels },
});

function shop() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api", tier: "backend" });
  const debug = c.pod("shop", "debug", { owner: null });
  return { c, web: web!, api: api!, debug };
}

describe("unlabeled pods are selected by what they lack", () => {
  it("an unlabeled client gets DoesNotExist over the namespace's label keys, which picks exactly its pod", () => {
    const { c, web, api, debug } = shop();
    c.connect(debug, web, 8080);
    const r = gen(c, { scope: { kind: "namespace", namespace: "shop" } });
    const from = r.byName("web-guardian").spec.ingress?.[0]?.from?.[0];
    expect(from).toEqual({
      podSelector: {
        matchExpressions: [
          { key: "app", operator: "DoesNotExist" },
          { key: "pod-template-hash", operator: "DoesNotExist" },
          { key: "tier", operator: "DoesNotExist" },
        ],
      },
    });
    const policies = r.objects.map((o) => o.object as unknown as NetworkPolicyObject);
    expect(allowed(policies, ns, ep(debug), ep(web), 8080, "TCP")).toBe(true);
    expect(allowed(policies, ns, ep(api), ep(web), 8080, "TCP")).toBe(false);
  });

  it("warns on every rule selected that way, naming the namespace", () => {
    const { c, web, debug } = shop();
    c.connect(debug, web, 8080).connect(web, debug, 9000);
    const r = gen(c, { scope: { kind: "namespace", namespace: "shop" } });
    const msgs = r.result.warnings.filter((w) => w.code === "absent-labels").map((w) => w.message);
    const webRules = r.result.policies.find((p) => p.workload.name === "web");
    for (const rule of [...(webRules?.ingress ?? []), ...(webRules?.egress ?? [])])
      expect(msgs.some((m) => m.includes(rule.id) && m.includes("any future unlabeled pod in shop matches"))).toBe(true);
    expect(msgs.some((m) => m.startsWith("pod shop/debug: the policy's pods are selected by the absence of labels"))).toBe(true);
  });

  it("the unlabeled workload gets its own policy with the same exact selector", () => {
    const { c, web, debug } = shop();
    c.connect(debug, web, 8080);
    const r = gen(c, { scope: { kind: "namespace", namespace: "shop" } });
    expect(r.result.failed.map((f) => f.workload.name)).toEqual(["api"]);
    const own = r.byName("debug-guardian").spec;
    expect(own.podSelector).toEqual({
      matchExpressions: ["app", "pod-template-hash", "tier"].map((key) => ({ key, operator: "DoesNotExist" })),
    });
    expect(r.wouldBreak).toEqual([]);
  });

  it("a Cilium policy uses k8s: keys and names the peer's namespace", () => {
    const { c, web, debug } = shop();
    c.connect(debug, web, 8080);
    const r = gen(c, { type: "cilium", scope: { kind: "namespace", namespace: "shop" } });
    const o = r.objects.find((x) => x.object.metadata.name === "web-guardian")?.object as unknown as {
      spec: { ingress: { fromEndpoints: unknown[] }[] };
    };
    expect(o.spec.ingress[0]?.fromEndpoints).toEqual([
      { matchExpressions: ["app", "pod-template-hash", "tier"].map((k) => ({ key: `k8s:${k}`, operator: "DoesNotExist" })) },
    ]);
  });

  it("falls back to leaving the peer out with a warning when no exact selector exists", () => {
    const { c, web, debug } = shop();
    c.pod("shop", "other-debug", { owner: null });
    c.connect(debug, web, 8080).row(web, "EGRESS", "1.1.1.1", 443);
    const r = gen(c, { scope: { kind: "namespace", namespace: "shop" } });
    expect(JSON.stringify(r.byName("web-guardian").spec.ingress ?? [])).not.toContain("podSelector");
    expect(r.result.warnings.map((w) => w.code)).toContain("unlabeled-peer");
    expect(r.result.failed.map((f) => `${f.workload.name}:${f.reason}`)).toContain("debug:unlabeled");
  });

  it("a workload whose pods carry only volatile labels keeps them out of its DoesNotExist keys", () => {
    const c = new Cluster();
    const [web] = c.deployment("jobs", "web", { app: "web" });
    const run = c.pod("jobs", "nightly-28990-abcde", {
      owner: { kind: "CronJob", name: "nightly" },
      volatile: { "job-name": "nightly-28990", "controller-uid": "1234" },
    });
    c.connect(run, web!, 80);
    const r = gen(c, { scope: { kind: "namespace", namespace: "jobs" } });
    const from = r.byName("web-guardian").spec.ingress?.[0]?.from?.[0];
    expect(from).toEqual({
      podSelector: { matchExpressions: ["app", "pod-template-hash"].map((key) => ({ key, operator: "DoesNotExist" })) },
    });
  });
});
