// What the kguardian agent does not record, and how policies built without it are kept honest.
import type { V1DaemonSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { toAgent } from "../../src/cluster/inventory-map.ts";
import { Cluster } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

function world() {
  const c = new Cluster();
  c.dns();
  const [web] = c.deployment("shop", "web", { app: "web" });
  c.inventory.workloads.push({ kind: "DaemonSet", name: "log-agent", namespace: "logging", selector: { app: "log-agent" } });
  const agent = c.pod("logging", "log-agent-x1", {
    labels: { app: "log-agent" },
    owner: { kind: "DaemonSet", name: "log-agent" },
    node: "worker-1",
  });
  c.row(web!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" }).row(agent, "EGRESS", "1.1.1.1", 443);
  return c;
}

describe("the agent's blind spots", () => {
  it("by default, workloads of kube-system and kguardian and DaemonSets are not observed: skipped with a note", () => {
    const r = gen(world(), { allowDns: true });
    const skipped = r.result.failed.filter((f) => f.reason === "unobserved").map((f) => f.workload.name);
    expect(skipped.sort()).toEqual(["coredns", "log-agent"]);
    expect(r.result.failed.find((f) => f.workload.name === "coredns")?.message).toContain(
      "the kguardian agent does not record pods of namespace kube-system (EXCLUDED_NAMESPACES, from the controller's defaults)",
    );
    expect(r.result.failed.every((f) => !f.evidence)).toBe(true);
  });

  it("--include-unobserved generates them, with a warning on every rule", () => {
    const r = gen(world(), { allowDns: true, includeUnobserved: true });
    const coredns = r.result.policies.find((p) => p.workload.name === "coredns");
    const rules = [...(coredns?.ingress ?? []), ...(coredns?.egress ?? [])];
    expect(rules.length).toBeGreaterThan(0);
    const warned = new Set(r.result.warnings.filter((w) => w.code === "unobserved").map((w) => w.ruleId));
    for (const rule of rules) expect(warned.has(rule.id)).toBe(true);
  });

  it("a policy whose pods share a node with an ignored DaemonSet says those connections are never recorded", () => {
    const r = gen(world(), { allowDns: true });
    const w = r.result.warnings.find((x) => x.code === "agent-blind");
    expect(w?.workload?.name).toBe("web");
    expect(w?.message).toContain("ignores daemonset logging/log-agent on the same node(s)");
  });

  it("the controller's own settings replace the defaults", () => {
    const ds = {
      metadata: { name: "kguardian-controller", namespace: "kguardian" },
      spec: {
        selector: {},
        template: {
          spec: {
            containers: [
              {
                name: "c",
                env: [
                  { name: "EXCLUDED_NAMESPACES", value: "kguardian, monitoring" },
                  { name: "IGNORE_DAEMONSET_TRAFFIC", value: "false" },
                ],
              },
            ],
          },
        },
      },
    } as unknown as V1DaemonSet;
    const settings = toAgent([ds]);
    expect(settings).toEqual({
      excludedNamespaces: ["kguardian", "monitoring"],
      ignoreDaemonSetTraffic: false,
      source: "daemonset kguardian/kguardian-controller",
    });
    const c = world();
    c.inventory.agent = settings;
    const r = gen(c, { allowDns: true });
    expect(r.result.failed.filter((f) => f.reason === "unobserved")).toEqual([]);
    expect(r.result.warnings.filter((x) => x.code === "agent-blind")).toEqual([]);
    expect(toAgent([])).toBeUndefined();
  });

  it("a UDP egress rule says further UDP ports, or TCP beside it, to that peer go unrecorded; DNS is exempt", () => {
    const c = world();
    const web = c.inventory.pods.find((p) => p.name.startsWith("web"));
    if (!web) throw new Error("the world has a web pod");
    c.row(web, "EGRESS", "203.0.113.7", 4789, { proto: "UDP" }).row(web, "EGRESS", "203.0.113.8", 443);
    const r = gen(c, { allowDns: true });
    const policy = r.result.policies.find((p) => p.workload.name === "web");
    const udpRule = policy?.egress.find((x) => x.ports.some((p) => p.port === 4789));
    const dedup = r.result.warnings.filter((w) => w.code === "udp-dedup");
    expect(dedup.map((w) => w.ruleId)).toEqual([udpRule?.id]);
    expect(dedup[0]?.message).toContain("allows UDP 4789: the kguardian agent stores one UDP egress per peer address");
  });
});
