// index → resolve → policies → rendered, validated objects → replay of the observed flows, as one pure
// call; and the replay alone, for what the review and decisions kept. The CLI does the I/O around it.

import type { ClusterIndex } from "../model/cluster.ts";
import type { RenderedObject } from "../model/rendered.ts";
import type { BuildResult, Connection, Inventory, TrafficData, WorkloadPolicy } from "../model/types.ts";
import { buildPolicies } from "../policy/build.ts";
import { shortObservation } from "../policy/checks.ts";
import { fqdnWithoutDns, renderCilium, renderCiliumDefaultDeny } from "../policy/cilium.ts";
import { renderDefaultDeny, renderNetworkPolicy } from "../policy/networkpolicy.ts";
import { validateObjects } from "../policy/validate.ts";
import type { NetworkPolicyLike } from "../verify/evaluate.ts";
import { replay, type WouldBreak } from "../verify/replay.ts";
import { type Folded, foldAll } from "./fold.ts";
import { type Scope, selectTargets } from "./targets.ts";

export { type Scope, ScopeError, selectTargets } from "./targets.ts";

export interface GenerateOptions {
  scope: Scope;
  type: "kubernetes" | "cilium";
  /** Cilium: CiliumClusterwideNetworkPolicy instead of CiliumNetworkPolicy. */
  clusterwide?: boolean | undefined;
  allowDns: boolean;
  minFlows: number;
  policyTypes: ("Ingress" | "Egress")[];
  defaultDeny: boolean;
  includeDropped: boolean;
  /** Generate for workloads the agent does not observe too. */
  includeUnobserved?: boolean | undefined;
  /** Only rows at or after this time (ms) count. */
  since?: number;
  /** When the data was read (ms): workloads observed for less than MIN_OBSERVATION before it are warned about. */
  readAt?: number;
  generator: string;
}

export interface GenerateResult {
  result: BuildResult;
  objects: RenderedObject[];
  index: ClusterIndex;
  /** Observed flows the generated set would deny (thin rules dropped, directions restricted, …). */
  wouldBreak: WouldBreak[];
  /** The observed connections, resolved. */
  connections: Connection[];
  inventory: Inventory;
}

/** Policy objects for a (possibly reviewed) set of workload policies, each checked as the API server would. */
export function renderPolicies(
  policies: WorkloadPolicy[],
  defaultDeny: string[],
  o: { generator: string; type: "kubernetes" | "cilium"; clusterwide?: boolean | undefined },
): RenderedObject[] {
  const ctx = { generator: o.generator };
  const objects =
    o.type === "cilium"
      ? [...defaultDeny.map((ns) => renderCiliumDefaultDeny(ns, ctx)), ...policies.map((p) => renderCilium(p, ctx, o.clusterwide === true))]
      : [...defaultDeny.map((ns) => renderDefaultDeny(ns, ctx)), ...policies.map((p) => renderNetworkPolicy(p, ctx))];
  validateObjects(objects);
  return objects;
}

/** The resolve options a generation implies: what a streaming load must fold with. */
export const resolveOptionsOf = (opts: Pick<GenerateOptions, "since" | "includeDropped">) => ({
  ...(opts.since !== undefined ? { since: opts.since } : {}),
  includeDropped: opts.includeDropped,
});

/** `folded`: the rows already folded as they were read (live runs); else `data.rows` are folded here. */
export function generate(inventory: Inventory, data: TrafficData, opts: GenerateOptions, folded?: Folded): GenerateResult {
  const { index, resolved } = folded ?? foldAll(inventory, data, resolveOptionsOf(opts));
  const targets = selectTargets(index, opts.scope);
  const result = buildPolicies(index, resolved, {
    targets,
    allowDns: opts.allowDns,
    minFlows: opts.minFlows,
    policyTypes: opts.policyTypes,
    defaultDeny: opts.defaultDeny,
    includeUnobserved: opts.includeUnobserved,
  });
  if (opts.readAt !== undefined) result.warnings.push(...shortObservation(result.policies, opts.readAt));
  const objects = renderPolicies(result.policies, result.defaultDeny, opts);
  if (opts.type === "cilium") result.warnings.push(...fqdnWithoutDns(result.policies));
  const gen = { result, objects, index, wouldBreak: [], connections: resolved.connections, inventory };
  return { ...gen, wouldBreak: wouldBreak(gen, result.policies, opts, opts.type === "kubernetes" ? objects : undefined) };
}

/**
 * The observed flows that a set of policies (all generated ones, or what the review and decisions
 * kept) would deny. Judged on the NetworkPolicy rendering of the same rules, whatever the output
 * type: one rule model, one check.
 */
export function wouldBreak(
  gen: Pick<GenerateResult, "index" | "connections" | "result" | "inventory">,
  policies: WorkloadPolicy[],
  opts: { generator: string },
  /** Their NetworkPolicy rendering, when already at hand. */
  rendered?: RenderedObject[],
): WouldBreak[] {
  const nsLabels = new Map(gen.inventory.namespaces.map((n) => [n.name, n.labels]));
  const objects = rendered ?? renderPolicies(policies, gen.result.defaultDeny, { ...opts, type: "kubernetes" });
  return replay(
    gen.index,
    gen.connections,
    objects.map((o) => o.object as NetworkPolicyLike),
    (ns) => nsLabels.get(ns) ?? { "kubernetes.io/metadata.name": ns },
  );
}
