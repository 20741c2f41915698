// `verify`: every observed ALLOW flow replayed against live ∪ proposed policies. Pure.
import type { Inventory, TrafficData } from "../model/types.ts";
import type { AnyPolicy } from "../verify/merge.ts";
import { replay, type WouldBreak } from "../verify/replay.ts";
import { type Folded, foldAll } from "./fold.ts";

export interface VerifyResult {
  /** Observed connections in scope. */
  checked: number;
  denied: WouldBreak[];
  /** Denied unless a toFQDNs rule names the address, which the data cannot tell. */
  undetermined: WouldBreak[];
  /** Policies evaluated, live ones replaced by proposed ones of the same kind, namespace and name. */
  policies: number;
}

export function verify(
  inventory: Inventory,
  data: TrafficData,
  policies: AnyPolicy[],
  scope: { namespace?: string },
  opts: { since?: number } = {},
  folded?: Folded,
): VerifyResult {
  const { index, resolved } = folded ?? foldAll(inventory, data, opts.since !== undefined ? { since: opts.since } : {});
  const inScope = resolved.connections.filter((c) => {
    if (!scope.namespace) return true;
    const ns = (p: typeof c.src) => (p.kind === "workload" ? p.workload.namespace : null);
    return ns(c.src) === scope.namespace || ns(c.dst) === scope.namespace;
  });
  const nsLabels = new Map(inventory.namespaces.map((n) => [n.name, n.labels]));
  const all = replay(index, inScope, policies, (ns) => nsLabels.get(ns) ?? { "kubernetes.io/metadata.name": ns });
  return {
    checked: inScope.length,
    denied: all.filter((w) => !w.verdict.nameUnknown),
    undetermined: all.filter((w) => w.verdict.nameUnknown),
    policies: policies.length,
  };
}
