// Evidence in as it arrives: the index over what the inventory and the broker know of pods and
// Services, then each pod's answer folded into connections and dropped. Nothing keeps all rows.
import type { ClusterIndex } from "../model/cluster.ts";
import type { Inventory, Resolved, TrafficData, TrafficRow } from "../model/types.ts";
import { buildIndex } from "../resolve/cluster-index.ts";
import { type ResolveOptions, TrafficFold } from "../resolve/resolve.ts";

/** What generation and verification need of the evidence. */
export interface Folded {
  index: ClusterIndex;
  resolved: Resolved;
}

export interface Fold {
  readonly index: ClusterIndex;
  add(rows: readonly TrafficRow[]): void;
  done(): Folded;
}

export type { ResolveOptions };

export function startFold(inventory: Inventory, data: Omit<TrafficData, "rows">, opts: ResolveOptions): Fold {
  const index = buildIndex(inventory, { ...data, rows: [] });
  const fold = new TrafficFold(index, data, opts);
  return { index, add: (rows) => fold.add(rows), done: () => ({ index, resolved: fold.done() }) };
}

/** Rows already in memory (the demo, a snapshot file), folded at once. */
export function foldAll(inventory: Inventory, data: TrafficData, opts: ResolveOptions): Folded {
  const f = startFold(inventory, data, opts);
  f.add(data.rows);
  return f.done();
}
