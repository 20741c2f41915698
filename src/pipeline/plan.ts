// Which pods' traffic a run must read. Pure. The broker keys traffic by local pod, so a UDP server's
// ingress evidence (the broker records no UDP INGRESS rows) lives in its clients' rows. A departed pod
// is read only when its rows can still be evidence: it was alive in the window, and the broker has
// not pruned them.

import type { ClusterIndex, PodIdentity } from "../model/cluster.ts";
import { workloadKey } from "../model/keys.ts";
import type { BrokerPod, Inventory } from "../model/types.ts";
import { buildIndex } from "../resolve/cluster-index.ts";
import type { Scope } from "./generate.ts";
import { selectTargets } from "./generate.ts";

export interface FetchPlan {
  pods: { name: string; namespace: string }[];
  /** Set when the plan had to widen to every pod, and why. */
  widened?: string;
  /** Departed pods not read, each reason with its count. */
  skipped: { reason: string; pods: number }[];
}

export interface FetchWindow {
  /** When the data is read, ms. */
  now: number;
  /** --since as a time, ms. */
  since?: number | undefined;
  /** The broker's POD_TRAFFIC_RETENTION_DAYS (0: never pruned); undefined: its default. */
  retentionDays?: number | undefined;
  /** Only the 1.20 line stamps a pod's last sighting (time_stamp) and prunes departed pods' rows. */
  broker: "1.12" | "1.20";
}

/** 1.20's default POD_TRAFFIC_RETENTION_DAYS. */
export const RETENTION_DAYS = 14;
const HOUR = 3_600_000;
// A pod is re-posted every 60 s while it runs and swept as dead 900 s after its last post: it may have
// lived that long past its last sighting.
const AFTER_LAST_SEEN = 15 * 60_000;
/** How long past retention a departed pod's rows may still be held: its sweep slack and the pruner's hourly cadence. */
export const PRUNE_SLACK_MS = AFTER_LAST_SEEN + HOUR;

/** Why a departed pod's rows cannot be evidence in this window, or null. */
function outOfWindow(p: PodIdentity, w: FetchWindow): string | null {
  if (w.broker !== "1.20" || p.live || p.lastSeen === undefined) return null;
  const end = p.lastSeen + AFTER_LAST_SEEN;
  if (w.since !== undefined && end < w.since) return "gone before --since";
  const days = w.retentionDays ?? RETENTION_DAYS;
  // Its rows were first seen while it ran, so all are past retention; the pruner runs hourly.
  if (days > 0 && p.lastSeen < w.now - days * 86_400_000 - PRUNE_SLACK_MS)
    return `gone more than POD_TRAFFIC_RETENTION_DAYS=${days} days ago${w.retentionDays === undefined ? " (the broker's default)" : ""}, so the broker has pruned its rows`;
  return null;
}

/** `index`: the run's own index over the same pods, when it has one (a streaming run builds it to fold). */
export function planFetch(
  inventory: Inventory,
  brokerPods: BrokerPod[],
  scope: Scope,
  window?: FetchWindow,
  index: ClusterIndex = buildIndex(inventory, { pods: brokerPods, services: [], rows: [] }),
): FetchPlan {
  const all = [...index.podsByName.values()];
  const out = (pods: PodIdentity[], widened?: string): FetchPlan => {
    const skipped = new Map<string, number>();
    const read = pods.filter((p) => {
      const why = window ? outOfWindow(p, window) : null;
      if (why) skipped.set(why, (skipped.get(why) ?? 0) + 1);
      return why === null;
    });
    return {
      pods: read.map((p) => ({ name: p.name, namespace: p.namespace })),
      ...(widened ? { widened } : {}),
      skipped: [...skipped].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reason, n]) => ({ reason, pods: n })),
    };
  };
  if (scope.kind === "all" && !scope.selector) return out(all);
  const byNamespace = scope.kind === "namespace" && !scope.selector;
  const targets = new Set(selectTargets(index, scope).map(workloadKey));
  // Dead pods of a target workload count too: their rows are evidence from before the last rollout.
  const mine = all.filter((p) => (byNamespace ? p.namespace === scope.namespace : targets.has(workloadKey(p.workload))));
  const udp = mine.find((p) => p.containerPorts.some((c) => c.protocol === "UDP"));
  if (udp) return out(all, `${udp.namespace}/${udp.name} serves UDP, whose clients' rows are the only evidence of its ingress`);
  return out(mine);
}
