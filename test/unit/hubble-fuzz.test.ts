// Hostile Hubble input: fields replaced by anything, lines cut, raw bytes. Never a crash, every line
// accounted for, and only valid objects that admit no more than the flows' own addresses and ports.
import { CiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import fc from "fast-check";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { generate } from "../../src/pipeline/generate.ts";
import { HubbleFlowReader, offlineInventory } from "../../src/sources/hubble/flows.ts";
import { Cluster, T0 } from "../support/builders.ts";
import { junk as junkOf } from "../support/fuzz.ts";
import { defaults } from "../support/generate.ts";
import { endpoint, flow, world } from "../support/hubble.ts";

const junk = junkOf(
  100_000,
  fc.constantFrom("999.1.1.1", "::g", "0.0.0.0", "fe80::1%eth0", "", "FORWARDED ", "forwarded", "UNKNOWN(9)", "L7", "INGRESS "),
  fc.constantFrom("k8s:app=web.*", "k8s:app=(a|b)", "k8s:app=\u0000", "\uFFFD\uD800", "\u001b[31m", "k8s:=", "k8s:a=b=c", "reserved:world"),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
);

// Paths into a flow, each replaced, dropped or duplicated by the fuzzer.
const PATHS = [
  ["verdict"],
  ["time"],
  ["Type"],
  ["traffic_direction"],
  ["is_reply"],
  ["IP", "source"],
  ["IP", "destination"],
  ["l4", "TCP", "destination_port"],
  ["l4", "TCP", "source_port"],
  ["l4"],
  ["source", "pod_name"],
  ["source", "namespace"],
  ["source", "labels"],
  ["destination", "labels"],
  ["destination", "workloads"],
  ["destination"],
  ["l7", "http", "url"],
  ["l7", "http", "method"],
  ["l7", "type"],
];

function scenario() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api" });
  const base = flow({
    time: T0,
    direction: "EGRESS",
    src: { ip: web!.ips[0]!, port: 41000, ep: endpoint(web!) },
    dst: { ip: api!.ips[0]!, port: 8080, ep: endpoint(api!) },
  });
  const inbound = flow({
    time: T0,
    direction: "INGRESS",
    src: { ip: "203.0.113.7", port: 5000, ep: world() },
    dst: { ip: web!.ips[0]!, port: 443, ep: endpoint(web!) },
  });
  const request = {
    ...flow({
      time: T0,
      direction: "INGRESS",
      type: "L7",
      src: { ip: web!.ips[0]!, port: 41001, ep: endpoint(web!) },
      dst: { ip: api!.ips[0]!, port: 8080, ep: endpoint(api!) },
    }),
    l7: { type: "REQUEST", http: { method: "GET", url: "http://api/product/123?x=1" } },
  };
  return { base, inbound, request };
}

function edit(f: Record<string, unknown>, path: string[], value: unknown, drop: boolean): Record<string, unknown> {
  const copy = structuredClone(f);
  let at: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) {
    if (at[k] === null || typeof at[k] !== "object") at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (drop) delete at[last];
  else at[last] = value;
  return copy;
}

const line = (templates: Record<string, unknown>[]) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({
          t: fc.nat(templates.length - 1),
          edits: fc.array(fc.record({ path: fc.constantFrom(...PATHS), value: junk, drop: fc.boolean() }), { maxLength: 3 }),
          wrap: fc.boolean(),
        })
        .map(({ t, edits, wrap }) => {
          const f = edits.reduce((acc, e) => edit(acc, e.path, e.value, e.drop), templates[t] as Record<string, unknown>);
          return JSON.stringify(wrap ? { flow: f } : f);
        }),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("utf8")) },
    { weight: 1, arbitrary: fc.constantFrom("{", '{"flow":', "null", "[]", '"x"', "{}") },
  );

describe("fuzzed Hubble flows", () => {
  it("never crash; every flow is a row or a counted skip; every object is valid and no wider than the flows", () => {
    const { base, inbound, request } = scenario();
    fc.assert(
      fc.property(fc.array(line([base, inbound, request, request]), { minLength: 1, maxLength: 8 }), (lines) => {
        const r = new HubbleFlowReader();
        for (const l of lines) r.add(l);
        const h = r.result();
        const skipped = Object.values(h.skipped).reduce((a, b) => a + (b ?? 0), 0);
        // A line is a flow (a row, a duplicate of one, or a skip), or not a flow at all (counted as malformed when not JSON).
        expect(h.rows.length + skipped).toBeLessThanOrEqual(lines.length);
        const addresses = new Set(
          [base, inbound].flatMap((f) => [(f.IP as { source: string }).source, (f.IP as { destination: string }).destination]),
        );
        for (const row of h.rows) {
          expect(addresses.has(row.podIp) || addresses.has(row.peerIp)).toBe(true);
          expect(Number(row.trafficType === "INGRESS" ? row.podPort : row.peerPort)).toBeGreaterThan(0);
        }
        // Every path rule admits the paths it says it covers; a literal one admits nothing else.
        const g7 = generate(
          offlineInventory(h),
          { pods: h.pods, services: [], rows: h.rows },
          { ...defaults, type: "cilium", scope: { kind: "all" } },
        );
        for (const p of g7.result.policies)
          for (const r of [...p.ingress, ...p.egress])
            for (const x of r.http?.rules ?? []) {
              const re = new RegExp(x.path);
              for (const o of x.observed) expect(re.test(o), `${x.path} ${o}`).toBe(true);
              if (!x.generalised) for (const o of x.observed) expect(re.test(`${o.split("?")[0]}x`)).toBe(false);
              expect(x.method).toMatch(/^[A-Z]+$/);
            }
        for (const type of ["kubernetes", "cilium"] as const) {
          const g = generate(
            offlineInventory(h),
            { pods: h.pods, services: [], rows: h.rows },
            { ...defaults, type, scope: { kind: "all" } },
          );
          for (const o of g.objects) {
            const text = JSON.stringify(o.object);
            expect(text).not.toMatch(/0\.0\.0\.0\/0|::\/0|"podSelector":\{\}|"matchLabels":\{\}|"http":\[\]/);
            if (type === "kubernetes") expect(() => new NetworkPolicy(o.object as never).validate()).not.toThrow();
            else expect(() => new CiliumNetworkPolicy(o.object as never).validate()).not.toThrow();
            for (const cidr of text.match(/\d+\.\d+\.\d+\.\d+\/\d+/g) ?? []) expect(cidr.endsWith("/32")).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
