// Broker-only pods become evidence only with names and labels the API server accepts, and no
// rendered object reaches a file unless the API server would accept it.
import { describe, expect, it } from "vitest";
import { InvalidObjectError, objectProblems, validateObjects } from "../../src/policy/validate.ts";
import { normalisePod, PodDetailWire, parseEach } from "../../src/sources/broker/schema.ts";
import { Cluster, naive, T0 } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

function ghost(c: Cluster, ns: string, name: string, labels: Record<string, string>, ip: string) {
  c.wire.pods.push({
    pod_name: name,
    pod_ip: ip,
    pod_namespace: ns,
    pod_obj: { metadata: { name, namespace: ns, labels } },
    time_stamp: naive(T0 - 3600_000),
    node_name: "worker-1",
    is_dead: true,
    pod_identity: null,
    workload_selector_labels: null,
  });
}

describe("broker-only pods are checked before they become selectors", () => {
  it.each([
    ["a namespace that is not a DNS label", "Shop_1", "old-web", { app: "web" }],
    ["a pod name that is not a DNS subdomain", "shop", "../etc", { app: "web" }],
    ["a label key Kubernetes rejects", "shop", "old-web", { "bad key!": "web" }],
    ["a label value Kubernetes rejects", "shop", "old-web", { app: "x".repeat(64) }],
  ])("%s is skipped and counted as malformed", (_what, ns, name, labels) => {
    const c = new Cluster();
    const [api] = c.deployment("shop", "api", { app: "api" });
    ghost(c, ns, name, labels, "10.244.9.9");
    c.row(api!, "INGRESS", "10.244.9.9", 8080);
    const snap = c.data();
    expect(snap.pods.map((p) => p.name)).not.toContain(name);
    const r = gen(c, { scope: { kind: "namespace", namespace: "shop" } });
    // The address is an unknown one now: never a selector built from junk.
    expect(r.byName("api-guardian").spec.ingress?.[0]?.from).toEqual([{ ipBlock: { cidr: "10.244.9.9/32" } }]);
    for (const o of r.objects) expect(objectProblems(o.object)).toEqual([]);
  });

  it("counts each rejected record", () => {
    const c = new Cluster();
    ghost(c, "Bad", "p", {}, "10.0.0.1");
    ghost(c, "good", "p", { "k/": "v" }, "10.0.0.2");
    ghost(c, "good", "p", { app: "ok" }, "10.0.0.3");
    const parsed = parseEach(PodDetailWire, c.wire.pods, normalisePod);
    expect([parsed.items.length, parsed.malformed]).toEqual([1, 2]);
  });
});

describe("rendered objects are validated before they are written", () => {
  it("every generated object passes", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [api] = c.deployment("shop", "api", { app: "api" });
    c.connect(web!, api!, 8080).row(web!, "EGRESS", "2001:db8::1", 443);
    for (const type of ["kubernetes", "cilium"] as const)
      for (const o of gen(c, { type, defaultDeny: true }).objects) expect(objectProblems(o.object)).toEqual([]);
  });

  it.each([
    ["a bad protocol (schema)", (s: Spec) => Object.assign(s.ingress?.[0]?.ports?.[0] ?? {}, { protocol: "TCPX" }), /protocol/],
    ["a bad label key (API server)", (s: Spec) => (s.podSelector.matchLabels = { "no spaces allowed": "x" }), /not a valid label/],
    ["a bad CIDR", (s: Spec) => s.egress?.[0]?.to?.push({ ipBlock: { cidr: "10.0.0.300/32" } }), /not a CIDR/],
  ])("%s is a bug report naming the object", (_what, breakIt, why) => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [api] = c.deployment("shop", "api", { app: "api" });
    c.connect(web!, api!, 8080).connect(api!, web!, 80);
    const objects = gen(c).objects;
    const target = objects.find((o) => (o.object.metadata as { name: string }).name === "web-guardian");
    breakIt((target as unknown as { object: { spec: Spec } }).object.spec);
    expect(() => validateObjects(objects)).toThrow(InvalidObjectError);
    expect(() => validateObjects(objects)).toThrow(/invalid NetworkPolicy shop\/web-guardian/);
    expect(() => validateObjects(objects)).toThrow(why);
  });
});

type Spec = import("../support/generate.ts").Spec;
