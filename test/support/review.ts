import type { ReviewRule } from "../../src/review/state.ts";

/** n rules over a few workloads, as reviewRules would produce them. */
export function rules(n: number, workloads = 3): ReviewRule[] {
  return Array.from({ length: n }, (_, i) => {
    const w = i % workloads;
    return {
      id: `r-${String(i).padStart(12, "0")}`,
      workloadKey: `shop/Deployment/w${w}`,
      workload: `deployment shop/w${w}`,
      direction: i % 2 === 0 ? ("egress" as const) : ("ingress" as const),
      peer: `deployment shop/peer${i}`,
      ports: `${8000 + i}/TCP`,
      peerDetail: [`selector:  app=peer${i}`],
      evidence: [`flows:      ${i + 1}`],
      warnings: i === 1 ? ["seen only once"] : [],
      yaml: ["  kind: NetworkPolicy", `▶ # r-${String(i).padStart(12, "0")}: …`],
      flows: i + 1,
      ladder: [],
      portStep: null,
      suggestion: null,
    };
  }).sort((a, b) => (a.workload + a.direction < b.workload + b.direction ? -1 : 1));
}

// Keys reach ink through stdin; each write is one keypress. Frames render asynchronously.
export const tick = () => new Promise<void>((r) => setImmediate(r));
export async function press(stdin: { write: (s: string) => void }, ...keys: string[]) {
  for (const k of keys) {
    stdin.write(k);
    await tick();
    await tick();
  }
}
