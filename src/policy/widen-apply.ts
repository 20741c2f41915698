// A person's widenings applied to the generated policies: each widened rule takes the place of every
// exact rule of its policy and direction that it admits, with their evidence merged. Pure.
import { workloadKey } from "../model/keys.ts";
import type { Direction, Peer, PortProto, Rule, WidenChoice, Widening, WorkloadPolicy } from "../model/types.ts";
import { comparePeers } from "./rules.ts";
import { peerWithin, portsWithin } from "./widen.ts";

function merged(id: string, direction: Direction, peer: Peer, ports: PortProto[], covered: Rule[], w: Widening): Rule {
  const pods = new Set(covered.flatMap((r) => r.evidence.pods));
  return {
    id,
    direction,
    peer,
    ports,
    evidence: {
      flows: covered.reduce((n, r) => n + r.evidence.flows, 0),
      firstSeen: Math.min(...covered.map((r) => r.evidence.firstSeen)),
      lastSeen: Math.max(...covered.map((r) => r.evidence.lastSeen)),
      pods: [...pods].sort(),
    },
    widened: { step: w.step, label: w.label, beyond: w.beyond },
  };
}

function widenList(list: Rule[], choices: WidenChoice[], direction: Direction, absorbed: Set<string>): Rule[] {
  let rules = list;
  for (const c of choices) {
    const own = rules.find((r) => r.id === c.id);
    const peer = c.peer ?? own?.peer;
    const ports = c.ports ?? own?.ports;
    if (!peer || !ports) continue;
    const inside = (r: Rule) => !r.synthetic && portsWithin(r.ports, ports) && (r.id === c.id || peerWithin(r.peer, peer));
    const covered = rules.filter(inside);
    // No evidence inside it in this run: nothing observed to allow, so no rule.
    if (covered.length === 0) continue;
    for (const r of covered) if (r.id !== c.id) absorbed.add(r.id);
    rules = [...rules.filter((r) => !inside(r)), merged(c.id, direction, peer, ports, covered, c)];
  }
  return rules.sort((a, b) => comparePeers(a.peer, b.peer));
}

/** The policies with the choices applied, and the ids of the exact rules a widened rule absorbed. */
export function applyWidenings(policies: WorkloadPolicy[], choices: WidenChoice[]): { policies: WorkloadPolicy[]; absorbed: Set<string> } {
  const absorbed = new Set<string>();
  if (choices.length === 0) return { policies, absorbed };
  const out = policies.map((p) => {
    const mine = choices.filter((c) => c.target === workloadKey(p.workload));
    if (mine.length === 0) return p;
    return {
      ...p,
      ingress: widenList(
        p.ingress,
        mine.filter((c) => c.direction === "ingress"),
        "ingress",
        absorbed,
      ),
      egress: widenList(
        p.egress,
        mine.filter((c) => c.direction === "egress"),
        "egress",
        absorbed,
      ),
    };
  });
  return { policies: out, absorbed };
}

/** The choice a review's state stands for: the peer at step `k` (0: exact) and, when asked, the port range. */
export function choiceOf(
  base: { id: string; target: string; direction: Direction },
  steps: {
    exactPorts: PortProto[];
    peer: (Widening & { peer?: Peer; ports?: PortProto[] })[];
    ports: (Widening & { ports?: PortProto[] }) | null;
  },
  k: number,
  portRange: boolean,
): WidenChoice | null {
  const at = k > 0 ? steps.peer[k - 1] : undefined;
  const pr = portRange && steps.ports ? steps.ports : undefined;
  if (!at && !pr) return null;
  const ports = pr?.ports ?? at?.ports ?? steps.exactPorts;
  return {
    ...base,
    step: [at?.step, pr?.step].filter(Boolean).join("+"),
    label: [at?.label, pr ? `ports ${pr.label}` : undefined].filter(Boolean).join(", "),
    beyond: [...(at?.beyond ?? []), ...(pr?.beyond ?? [])],
    ...(at?.peer ? { peer: at.peer } : {}),
    ports,
  };
}
