// Upstream's NetworkPolicy conformance truth tables (test/support/netpol-cases.ts), every probe and
// every cell, against the product's evaluator (src/verify) and the property tests' oracle alike.
import { describe, expect, it } from "vitest";
import { type NetworkPolicyLike, PolicyEvaluator } from "../../src/verify/evaluate.ts";
import { CASES, matrix, NS_KEY, type Phase, podIp } from "../support/netpol-cases.ts";
import { allowed, type NetworkPolicyObject } from "../support/np-eval.ts";

// Each pod serves 80 and 81 on every protocol, with upstream's port names (serve-80-tcp, …).
const PORTS = [80, 81].flatMap((port) =>
  (["TCP", "UDP", "SCTP"] as const).map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, port, protocol })),
);

function endpoint(pod: string, phase: Phase) {
  return {
    ip: podIp(pod),
    pod: { namespace: pod[0] as string, labels: { pod: pod[2] as string, ...phase.podLabels?.[pod] }, ports: PORTS },
  };
}

let cells = 0;
describe("upstream NetworkPolicy truth tables", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    for (const phase of c.phases) {
      const nsLabels = (ns: string) => ({ [NS_KEY]: ns, ...phase.nsLabels?.[ns] });
      const product = new PolicyEvaluator(phase.policies as NetworkPolicyLike[], nsLabels);
      for (const probe of phase.probes) {
        const want = matrix(c.pods, probe.steps);
        const wrong: string[] = [];
        for (const from of c.pods)
          for (const to of c.pods) {
            if (from === to) continue; // upstream ignores loopback
            const src = endpoint(from, phase);
            const dst = endpoint(to, phase);
            const expected = want.get(`${from}>${to}`);
            const ours = product.check(src, dst, probe.port, probe.protocol).allowed;
            const oracle = allowed(phase.policies as NetworkPolicyObject[], nsLabels, src, dst, probe.port, probe.protocol);
            if (ours !== expected) wrong.push(`src/verify ${from} → ${to} ${probe.port}/${probe.protocol}: ${ours}, want ${expected}`);
            if (oracle !== expected) wrong.push(`oracle ${from} → ${to} ${probe.port}/${probe.protocol}: ${oracle}, want ${expected}`);
            cells++;
          }
        expect(wrong).toEqual([]);
      }
    }
  });

  it("covers every case's probes", () => {
    // Tests run in order within the file: by now every cell above was checked.
    expect(cells).toBe(
      CASES.flatMap((c) => c.phases.flatMap((p) => p.probes.map(() => c.pods.length * (c.pods.length - 1)))).reduce((a, b) => a + b, 0),
    );
    expect(CASES).toHaveLength(48);
  });
});
