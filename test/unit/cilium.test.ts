import { CiliumClusterwideNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumClusterwideNetworkPolicy";
import { CiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InventoryPod } from "../../src/model/types.ts";
import { PolicyEvaluator } from "../../src/verify/evaluate.ts";
import { Cluster, svcPort, tcp } from "../support/builders.ts";
import { type CEndpoint, type CiliumObject, ciliumAllowed } from "../support/cilium-eval.ts";
import { gen } from "../support/generate.ts";
import { arbWorld, build } from "../support/world.ts";

function world() {
  const c = new Cluster().node("worker-1", "10.0.0.11").apiServer("10.96.0.1", "172.18.0.2", 6443);
  c.dns();
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api" }, { ports: [tcp(9000, "http")] });
  const [pg] = c.statefulSet("data", "postgres", { app: "postgres" });
  c.service("shop", "api", "10.96.1.20", { app: "api" }, [svcPort(8080, "http")]);
  c.connect(web!, api!, 9000, { dial: { ip: "10.96.1.20", port: 8080 } }).connect(api!, pg!, 5432);
  c.row(api!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" }).row(api!, "EGRESS", "10.96.0.1", 443);
  c.row(api!, "EGRESS", "93.184.216.34", 443).row(api!, "EGRESS", "2606:4700::1111", 443).row(web!, "INGRESS", "10.0.0.11", 8080);
  return c;
}
const cilium = (c: Cluster, extra: Parameters<typeof gen>[1] = {}) => gen(c, { type: "cilium", allowDns: true, ...extra });
function specOf(r: ReturnType<typeof cilium>, name: string): CiliumObject["spec"] {
  const o = r.objects.find((x) => (x.object.metadata as { name: string }).name === name);
  if (!o) throw new Error(`no policy ${name}`);
  return (o.object as unknown as CiliumObject).spec;
}

describe("CiliumNetworkPolicy output", () => {
  it("selects with k8s: labels; names the peer namespace only when it differs", () => {
    const api = specOf(cilium(world()), "api-guardian");
    expect(api.endpointSelector).toEqual({ matchLabels: { "k8s:app": "api" } });
    expect(api.ingress?.[0]).toMatchObject({
      fromEndpoints: [{ matchLabels: { "k8s:app": "web" } }],
      toPorts: [{ ports: [{ port: "9000", protocol: "TCP" }] }],
    });
    expect(api.egress).toContainEqual(
      expect.objectContaining({ toEndpoints: [{ matchLabels: { "k8s:app": "postgres", "k8s:io.kubernetes.pod.namespace": "data" } }] }),
    );
  });

  it("DNS goes to the DNS pods on UDP and TCP with a DNS rule, so Cilium's proxy sees lookups", () => {
    const dns = specOf(cilium(world()), "api-guardian").egress?.find(
      (r) => r.toEndpoints?.[0]?.matchLabels?.["k8s:k8s-app"] === "kube-dns",
    );
    expect(dns).toEqual({
      toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } }],
      toPorts: [
        {
          ports: [
            { port: "53", protocol: "TCP" },
            { port: "53", protocol: "UDP" },
          ],
          rules: { dns: [{ matchPattern: "*" }] },
        },
      ],
    });
  });

  it("entities for the API server and nodes; externals as /32 and /128 CIDRs; never world", () => {
    const r = cilium(world());
    const api = specOf(r, "api-guardian");
    expect(api.egress).toContainEqual({ toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "6443", protocol: "TCP" }] }] });
    expect(api.egress).toContainEqual({
      toCIDR: ["2606:4700::1111/128", "93.184.216.34/32"],
      toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
    });
    expect(specOf(r, "web-guardian").ingress).toContainEqual({
      fromEntities: ["host", "remote-node"],
      toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }],
    });
    expect(JSON.stringify(r.objects.map((o) => o.object))).not.toContain('"world"');
  });

  it("denies by default in both directions, or only in those --policy-types restricts; never carries status", () => {
    expect(specOf(cilium(world()), "postgres-guardian").enableDefaultDeny).toEqual({ ingress: true, egress: true });
    // postgres was never seen dialling out: its egress is the explicit deny-all rule.
    expect(specOf(cilium(world(), { allowDns: false }), "postgres-guardian").egress).toEqual([{}]);
    expect(specOf(cilium(world(), { policyTypes: ["Ingress"] }), "postgres-guardian").enableDefaultDeny).toEqual({
      ingress: true,
      egress: false,
    });
    for (const o of cilium(world()).objects) expect(o.object).not.toHaveProperty("status");
  });

  it("--clusterwide: one CiliumClusterwideNetworkPolicy per workload, namespaces in every selector", () => {
    const r = cilium(world(), { clusterwide: true });
    const o = r.objects.find((x) => (x.object.metadata as { name: string }).name === "shop-api-guardian")
      ?.object as unknown as CiliumObject & { metadata: Record<string, unknown> };
    expect(o.kind).toBe("CiliumClusterwideNetworkPolicy");
    expect(o.metadata.namespace).toBeUndefined();
    expect(o.spec.endpointSelector.matchLabels?.["k8s:io.kubernetes.pod.namespace"]).toBe("shop");
    expect(o.spec.ingress?.[0]?.fromEndpoints?.[0]?.matchLabels?.["k8s:io.kubernetes.pod.namespace"]).toBe("shop");
    expect(r.objects[0]?.fileName).toMatch(/-ciliumclusterwidenetworkpolicy\.yaml$/);
  });

  it("--default-deny uses enableDefaultDeny on an empty selector the user chose", () => {
    const r = cilium(world(), { defaultDeny: true, scope: { kind: "namespace", namespace: "shop" } });
    expect(r.objects[0]?.object).toMatchObject({
      kind: "CiliumNetworkPolicy",
      spec: { endpointSelector: {}, enableDefaultDeny: { ingress: true, egress: true } },
    });
    expect(r.objects[0]?.fileName).toBe("shop-default-deny-ciliumnetworkpolicy.yaml");
  });

  it("every object validates against the Cilium CRD schema", () => {
    for (const extra of [{}, { defaultDeny: true }, { clusterwide: true }]) {
      for (const o of cilium(world(), extra).objects) {
        const Model = o.object.kind === "CiliumClusterwideNetworkPolicy" ? CiliumClusterwideNetworkPolicy : CiliumNetworkPolicy;
        expect(() => new Model(o.object as never).validate()).not.toThrow();
      }
    }
  });

  it("carries the same labels, annotations, evidence comments and determinism as the NetworkPolicy output", () => {
    const a = cilium(world()).yaml();
    expect(a).toBe(cilium(world()).yaml());
    expect(a).toMatch(/# r-[0-9a-f]{12}: statefulset data\/postgres; 1 connection first seen /);
    expect(a).toContain("app.kubernetes.io/managed-by: kubectl-guardian");
    expect(a).toContain("guardian.kubectl.io/first-seen:");
  });
});

const cep = (p: InventoryPod): CEndpoint => ({ kind: "pod", namespace: p.namespace, labels: p.labels });
const vep = (p: InventoryPod) => ({ ip: p.ips[0] as string, pod: { namespace: p.namespace, labels: p.labels, ports: p.containerPorts } });

describe("Cilium output against an independent Cilium evaluator", () => {
  it("(a) observed flows are allowed; (b) with default deny nothing else is, namespaced or clusterwide; all schema-valid", () => {
    fc.assert(
      fc.property(arbWorld, fc.boolean(), (w, clusterwide) => {
        const b = build(w);
        const pols = gen(b.c, { type: "cilium", clusterwide, defaultDeny: !clusterwide }).objects.map(
          (o) => o.object as unknown as CiliumObject,
        );
        for (const o of pols) {
          const Model = o.kind === "CiliumClusterwideNetworkPolicy" ? CiliumClusterwideNetworkPolicy : CiliumNetworkPolicy;
          expect(() => new Model(o as never).validate()).not.toThrow();
        }
        // The product's evaluator (src/verify) must agree with the test's on every observed flow.
        const product = new PolicyEvaluator(pols as never, (n) => ({ "kubernetes.io/metadata.name": n }));
        for (const f of b.observed) {
          expect(ciliumAllowed(pols, cep(f.fromPod), cep(f.toPod), f.port, f.proto)).toBe(true);
          expect(product.check(vep(f.fromPod), vep(f.toPod), f.port, f.proto).allowed).toBe(true);
        }
        for (const e of b.external) {
          const world: CEndpoint = { kind: "world", ip: e.ip, ...(e.names ? { names: e.names } : {}) };
          expect(ciliumAllowed(pols, cep(e.fromPod), world, 443, "TCP")).toBe(true);
          const outside = { ip: e.ip, entity: "world" as const, ...(e.names ? { names: e.names } : {}) };
          expect(product.check(vep(e.fromPod), outside, 443, "TCP").allowed).toBe(true);
          // A named peer is allowed by name (toFQDNs), not by its address.
          if (e.names) expect(ciliumAllowed(pols, cep(e.fromPod), { kind: "world", ip: e.ip }, 443, "TCP")).toBe(false);
        }
        if (clusterwide) return;
        const seen = new Set(b.observed.map((f) => `${f.from}>${f.to}:${f.port}/${f.proto}`));
        const ports = [...new Set([...w.workloads.map((x) => x.port), 1234])];
        for (let a = 0; a < b.pods.length; a++)
          for (let d = 0; d < b.pods.length; d++)
            for (const port of ports)
              for (const proto of ["TCP", "UDP"]) {
                if (seen.has(`${a}>${d}:${port}/${proto}`)) continue;
                for (const src of b.pods[a] ?? [])
                  for (const dst of b.pods[d] ?? [])
                    if (src !== dst) expect(ciliumAllowed(pols, cep(src), cep(dst), port, proto)).toBe(false);
              }
        for (const src of b.pods.flat()) {
          expect(ciliumAllowed(pols, cep(src), { kind: "world", ip: "203.0.113.99" }, 443, "TCP")).toBe(false);
          expect(ciliumAllowed(pols, cep(src), { kind: "world", ip: "203.0.113.99", names: ["unseen.example.com"] }, 443, "TCP")).toBe(
            false,
          );
        }
      }),
      { numRuns: 100 },
    );
  });
});
