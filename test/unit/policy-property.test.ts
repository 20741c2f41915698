// Property: for random clusters and flows, the generated policies allow exactly what was observed,
// judged by an evaluator written for the tests (test/support/np-eval.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InventoryPod } from "../../src/model/types.ts";
import { Cluster, svcPort, tcp } from "../support/builders.ts";
import { gen } from "../support/generate.ts";
import { allowed, type Endpoint, type NetworkPolicyObject } from "../support/np-eval.ts";

interface World {
  namespaces: number;
  workloads: { ns: number; replicas: number; port: number; kind: "Deployment" | "StatefulSet"; service: "none" | "numeric" | "named" }[];
  flows: { from: number; to: number; fromReplica: number; toReplica: number; proto: "TCP" | "UDP"; times: number }[];
  externals: { from: number; host: number; v6: boolean }[];
}

const arbWorld: fc.Arbitrary<World> = fc.record({
  namespaces: fc.integer({ min: 1, max: 3 }),
  workloads: fc.array(
    fc.record({
      ns: fc.nat(2),
      replicas: fc.integer({ min: 1, max: 3 }),
      port: fc.constantFrom(80, 443, 5432, 8080, 9000),
      kind: fc.constantFrom("Deployment" as const, "StatefulSet" as const),
      service: fc.constantFrom("none" as const, "numeric" as const, "named" as const),
    }),
    { minLength: 2, maxLength: 6 },
  ),
  flows: fc.array(
    fc.record({
      from: fc.nat(),
      to: fc.nat(),
      fromReplica: fc.nat(),
      toReplica: fc.nat(),
      proto: fc.constantFrom("TCP" as const, "UDP" as const),
      times: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 12 },
  ),
  externals: fc.array(fc.record({ from: fc.nat(), host: fc.integer({ min: 1, max: 254 }), v6: fc.boolean() }), { maxLength: 3 }),
});

interface Built {
  c: Cluster;
  pods: InventoryPod[][];
  observed: { from: number; fromPod: InventoryPod; to: number; toPod: InventoryPod; port: number; proto: string }[];
  external: { from: number; fromPod: InventoryPod; ip: string }[];
}

function build(w: World, hash = "5d8f7c9b4"): Built {
  const c = new Cluster();
  const pods: InventoryPod[][] = [];
  w.workloads.forEach((wl, i) => {
    const ns = `ns${wl.ns % w.namespaces}`;
    const labels = { app: `w${i}` };
    const ports = [
      { ...tcp(wl.port, "p"), protocol: "TCP" as const },
      { name: "pu", port: wl.port, protocol: "UDP" as const },
    ];
    const ps =
      wl.kind === "Deployment"
        ? c.deployment(ns, `w${i}`, labels, { replicas: wl.replicas, ports, hash })
        : c.statefulSet(ns, `w${i}`, labels, { replicas: wl.replicas, ports });
    pods.push(ps);
    if (wl.service !== "none") {
      const target = wl.service === "named" ? "p" : wl.port;
      c.service(ns, `w${i}`, `10.96.${i}.10`, labels, [
        svcPort(10000 + wl.port, target, "tcp"),
        svcPort(10000 + wl.port, wl.service === "named" ? "pu" : wl.port, "udp", "UDP"),
      ]);
    }
  });
  const observed: Built["observed"] = [];
  for (const f of w.flows) {
    const a = f.from % w.workloads.length;
    const b = f.to % w.workloads.length;
    const from = pods[a]?.[f.fromReplica % (pods[a]?.length ?? 1)] as InventoryPod;
    const to = pods[b]?.[f.toReplica % (pods[b]?.length ?? 1)] as InventoryPod;
    if (from === to) continue; // a pod talking to itself is not evidence
    const wl = w.workloads[b] as World["workloads"][number];
    const dial = wl.service === "none" ? { ip: to.ips[0] as string, port: wl.port } : { ip: `10.96.${b}.10`, port: 10000 + wl.port };
    for (let t = 0; t < f.times; t++) {
      c.row(from, "EGRESS", dial.ip, dial.port, { proto: f.proto });
      if (f.proto === "TCP") c.row(to, "INGRESS", from.ips[0] as string, wl.port);
    }
    observed.push({ from: a, fromPod: from, to: b, toPod: to, port: wl.port, proto: f.proto });
  }
  const external: Built["external"] = [];
  for (const e of w.externals) {
    const a = e.from % w.workloads.length;
    const from = pods[a]?.[0] as InventoryPod;
    const ip = e.v6 ? `2001:db8::${e.host.toString(16)}` : `198.51.100.${e.host}`;
    c.row(from, "EGRESS", ip, 443);
    external.push({ from: a, fromPod: from, ip });
  }
  return { c, pods, observed, external };
}

const ep = (p: InventoryPod): Endpoint => ({
  pod: { namespace: p.namespace, labels: p.labels, ports: p.containerPorts },
  ip: p.ips[0] as string,
});
const nsLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });

function policiesOf(b: Built, defaultDeny: boolean): NetworkPolicyObject[] {
  return gen(b.c, { defaultDeny }).objects.map((o) => o.object as unknown as NetworkPolicyObject);
}

describe("generated policies against an independent evaluator", () => {
  it("(a) every observed ALLOW flow is allowed at both ends", () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const b = build(w);
        const pols = policiesOf(b, false);
        for (const f of b.observed)
          expect(allowed(pols, nsLabels, ep(f.fromPod), ep(f.toPod), f.port, f.proto), JSON.stringify(f)).toBe(true);
        for (const e of b.external) expect(allowed(pols, nsLabels, ep(e.fromPod), { ip: e.ip }, 443, "TCP")).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("(b) with default deny, no pair of workloads connects on a port or protocol it was not seen using", () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const b = build(w);
        const pols = policiesOf(b, true);
        const seen = new Set(b.observed.map((f) => `${f.from}>${f.to}:${f.port}/${f.proto}`));
        const ports = [...new Set([...w.workloads.map((x) => x.port), 1234])];
        for (let a = 0; a < b.pods.length; a++) {
          for (let d = 0; d < b.pods.length; d++) {
            for (const port of ports) {
              for (const proto of ["TCP", "UDP"]) {
                if (seen.has(`${a}>${d}:${port}/${proto}`)) continue;
                for (const src of b.pods[a] ?? []) {
                  for (const dst of b.pods[d] ?? []) {
                    if (src === dst) continue;
                    expect(allowed(pols, nsLabels, ep(src), ep(dst), port, proto), `w${a} -> w${d} ${port}/${proto}`).toBe(false);
                  }
                }
              }
            }
          }
        }
        // Nor does anything reach an address that was not seen.
        for (const src of b.pods.flat()) expect(allowed(pols, nsLabels, ep(src), { ip: "203.0.113.99" }, 443, "TCP")).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("(c) after every Deployment's pods are re-created with new names, IPs and pod-template-hash, (a) still holds", () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const before = build(w);
        const pols = policiesOf(before, false);
        const after = build(w, "7c6b5a4f3");
        // New IPs: shift every pod to another range.
        const moved = (p: InventoryPod): InventoryPod => ({ ...p, ips: p.ips.map((ip) => ip.replace(/^10\.244\./, "10.245.")) });
        const twin = (p: InventoryPod, wi: number) => {
          const i = (before.pods[wi] ?? []).indexOf(p);
          return moved(after.pods[wi]?.[i] as InventoryPod);
        };
        for (const f of before.observed) {
          const src = twin(f.fromPod, f.from);
          const dst = twin(f.toPod, f.to);
          if (w.workloads[f.from]?.kind === "Deployment") expect(src.name).not.toBe(f.fromPod.name);
          expect(allowed(pols, nsLabels, ep(src), ep(dst), f.port, f.proto)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
