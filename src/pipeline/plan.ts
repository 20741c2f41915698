// Which pods' traffic a run must read. Pure. The broker keys traffic by local pod, so a UDP server's
// ingress evidence (the broker records no UDP INGRESS rows) lives in its clients' rows.

import { workloadKey } from "../model/keys.ts";
import type { BrokerPod, Inventory } from "../model/types.ts";
import { buildIndex } from "../resolve/cluster-index.ts";
import type { Scope } from "./generate.ts";
import { selectTargets } from "./generate.ts";

export interface FetchPlan {
  pods: { name: string; namespace: string }[];
  /** Set when the plan had to widen to every pod, and why. */
  widened?: string;
}

export function planFetch(inventory: Inventory, brokerPods: BrokerPod[], scope: Scope): FetchPlan {
  const index = buildIndex(inventory, { pods: brokerPods, services: [], rows: [] });
  const all = [...index.podsByName.values()];
  const everything = () => all.map((p) => ({ name: p.name, namespace: p.namespace }));
  if (scope.kind === "all") return { pods: everything() };
  const targets = new Set(selectTargets(index, scope).map(workloadKey));
  // Dead pods of a target workload count too: their rows are evidence from before the last rollout.
  const mine = all.filter((p) => (scope.kind === "namespace" ? p.namespace === scope.namespace : targets.has(workloadKey(p.workload))));
  const udp = mine.find((p) => p.containerPorts.some((c) => c.protocol === "UDP"));
  if (udp) {
    return {
      pods: everything(),
      widened: `${udp.namespace}/${udp.name} serves UDP, whose clients' rows are the only evidence of its ingress`,
    };
  }
  return { pods: mine.map((p) => ({ name: p.name, namespace: p.namespace })) };
}
