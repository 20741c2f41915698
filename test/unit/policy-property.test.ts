// Property: for random clusters and flows, the generated policies allow exactly what was observed,
// judged by an evaluator written for the tests (test/support/np-eval.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InventoryPod } from "../../src/model/types.ts";
import { PolicyEvaluator } from "../../src/verify/evaluate.ts";
import { gen } from "../support/generate.ts";
import { allowed, type Endpoint, type NetworkPolicyObject } from "../support/np-eval.ts";
import { arbWorld, type Built, build } from "../support/world.ts";

const ep = (p: InventoryPod): Endpoint => ({
  pod: { namespace: p.namespace, labels: p.labels, ports: p.containerPorts },
  ip: p.ips[0] as string,
});
const vep = (p: InventoryPod) => ({ ip: p.ips[0] as string, pod: { namespace: p.namespace, labels: p.labels, ports: p.containerPorts } });
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
        const product = new PolicyEvaluator(pols, nsLabels);
        for (const f of b.observed) {
          expect(allowed(pols, nsLabels, ep(f.fromPod), ep(f.toPod), f.port, f.proto), JSON.stringify(f)).toBe(true);
          // The product's own evaluator (src/verify) agrees with the test's.
          expect(product.check(vep(f.fromPod), vep(f.toPod), f.port, f.proto).allowed).toBe(true);
        }
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
        const product = new PolicyEvaluator(pols, nsLabels);
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
                    expect(product.check(vep(src), vep(dst), port, proto).allowed).toBe(false);
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
