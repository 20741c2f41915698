// Path rules from Hubble's HTTP records pass the real API server's dry run against Cilium's schema,
// hostile paths included (escaped, or left out with the port kept at L4).
import { CustomObjectsApi } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installCiliumCrds } from "../../scripts/cluster/cilium-crds.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { HubbleFlowReader, offlineInventory } from "../../src/sources/hubble/flows.ts";
import { Cluster, T0, tcp } from "../support/builders.ts";
import { defaults } from "../support/generate.ts";
import { endpoint, flow } from "../support/hubble.ts";
import { kubeConfig, Seeder, uniqueNs } from "./seed.ts";

let seed: Seeder;
beforeAll(async () => {
  seed = new Seeder(kubeConfig(inject("kubeconfig")));
  await installCiliumCrds(seed.kc, inject("ciliumSchemas"));
});

const URLS = [
  "http://api/product/123",
  "http://api/product/456?ref=home&x=%2F",
  "http://api/u/550e8400-e29b-41d4-a716-446655440000",
  "/a.b/c+d(e)[f]{g}|h^$",
  "/shop.v1.Cart/AddItem",
  ...Array.from({ length: 60 }, (_, i) => `/users/name${i}/profile`),
];

describe("Cilium L7 rules on a real API server", () => {
  it(`pass the server-side dry run (${inject("ciliumSchemas") ? "Cilium's real schema" : "an open schema"})`, async () => {
    const ns = uniqueNs("l7");
    await seed.namespace(ns);
    const c = new Cluster();
    const [web] = c.deployment(ns, "web", { app: "web" });
    const [api] = c.deployment(ns, "api", { app: "api" }, { ports: [tcp(8080), tcp(9090)] });
    const line = (i: number, port: number, url?: string) =>
      JSON.stringify(
        flow({
          time: T0 + i,
          direction: "INGRESS",
          type: url ? "L7" : "L3_L4",
          src: { ip: web!.ips[0]!, port: 40000 + i, ep: endpoint(web!) },
          dst: { ip: api!.ips[0]!, port, ep: endpoint(api!) },
          ...(url ? { l7: { type: "REQUEST", http: { method: url.startsWith("/shop") ? "POST" : "GET", url } } } : {}),
        }),
      );
    // Port 9090 saw a request whose path holds a control character: it keeps its L4 rule only.
    const lines = [line(0, 8080), ...URLS.map((u, i) => line(i + 1, 8080, u)), line(100, 9090), line(101, 9090, "/bad\u0001path")];
    const r = new HubbleFlowReader();
    for (const l of lines) r.add(l);
    const h = r.result();
    const g = generate(
      offlineInventory(h),
      { pods: h.pods, services: [], rows: h.rows },
      { ...defaults, type: "cilium", scope: { kind: "all" } },
    );
    const apiPolicy = g.objects.find((o) => o.workload?.name === "api");
    if (!apiPolicy) throw new Error("no policy for api");
    const toPorts = (apiPolicy.object.spec as { ingress: { toPorts: { ports: { port: string }[]; rules?: { http: unknown[] } }[] }[] })
      .ingress[0]?.toPorts;
    expect(toPorts?.map((t) => [t.ports.map((p) => p.port), t.rules?.http.length ?? 0])).toEqual([
      [["8080"], 5],
      [["9090"], 0],
    ]);
    const custom = seed.kc.makeApiClient(CustomObjectsApi);
    for (const o of g.objects) {
      const created = await custom.createNamespacedCustomObject({
        group: "cilium.io",
        version: "v2",
        namespace: ns,
        plural: "ciliumnetworkpolicies",
        body: o.object,
        dryRun: "All",
      });
      expect((created as { spec: unknown }).spec).toEqual(o.object.spec);
    }
  });
});
