// Which workloads a run generates for: a pod or workload by name (kubectl's TYPE/NAME too), a
// namespace, everything, each optionally narrowed by a label selector on the workloads' pods.
import type { ClusterIndex, PodIdentity } from "../model/cluster.ts";
import { workloadKey } from "../model/keys.ts";
import { formatSelector, type Requirement, selectorMatches } from "../model/selector.ts";
import { closeMatches, targetName } from "../model/targets.ts";
import type { WorkloadRef } from "../model/types.ts";

export type Scope =
  /** `resource`: the owner kind typed as TYPE/NAME ("Pod" for pod/NAME); absent: a pod, else a workload, by that name. */
  | { kind: "pod"; namespace: string; name: string; resource?: string }
  | { kind: "namespace"; namespace: string; selector?: Requirement[] }
  | { kind: "all"; selector?: Requirement[] };

export class ScopeError extends Error {}

const unique = (pods: PodIdentity[]): WorkloadRef[] => [...new Map(pods.map((p) => [workloadKey(p.workload), p.workload])).values()];

function named(index: ClusterIndex, live: PodIdentity[], scope: Extract<Scope, { kind: "pod" }>): WorkloadRef[] {
  const { namespace, name, resource } = scope;
  if (resource === undefined || resource === "Pod") {
    const pod = index.podsByName.get(`${namespace}/${name}`);
    if (pod) return [pod.workload];
  }
  if (resource !== "Pod") {
    const w = live.find(
      (p) => p.namespace === namespace && p.workload.name === name && (resource === undefined || p.workload.kind === resource),
    );
    if (w) return [w.workload];
  }
  throw new ScopeError(notFound(live, scope));
}

/** "not found", with the names in that namespace (or the same name elsewhere) a person may have meant. */
function notFound(live: PodIdentity[], scope: Extract<Scope, { kind: "pod" }>): string {
  const what = scope.resource ? targetName(scope.resource, scope.name) : `pod or workload "${scope.name}"`;
  const here = live.filter((p) => p.namespace === scope.namespace);
  const pool = [...here.map((p) => targetName("pod", p.name)), ...unique(here).map((w) => targetName(w.kind, w.name))].filter(
    (c) => !scope.resource || c.startsWith(`${scope.resource.toLowerCase()}/`),
  );
  const close = closeMatches(scope.name, pool);
  const elsewhere = [
    ...new Set(
      live
        .filter((p) => p.namespace !== scope.namespace && (p.name === scope.name || p.workload.name === scope.name))
        .map((p) => p.namespace),
    ),
  ].sort();
  const hints = [
    close.length
      ? `did you mean ${close.join(", ")}?`
      : scope.resource && pool.length
        ? `there: ${[...pool].sort().slice(0, 5).join(", ")}`
        : "",
    elsewhere.length ? `"${scope.name}" exists in namespace ${elsewhere.slice(0, 3).join(", ")} (use -n)` : "",
  ].filter(Boolean);
  return `${what} not found in namespace "${scope.namespace}"${hints.length ? `; ${hints.join("; ")}` : ""}`;
}

/** Workloads in scope. A name that is not a pod may name a workload, as users think in workloads. */
export function selectTargets(index: ClusterIndex, scope: Scope): WorkloadRef[] {
  const live = [...index.podsByName.values()].filter((p) => p.live);
  if (scope.kind === "pod") return named(index, live, scope);
  const inScope = live.filter((p) => scope.kind === "all" || p.namespace === scope.namespace);
  if (inScope.length === 0 && scope.kind === "namespace") throw new ScopeError(`no pods found in namespace "${scope.namespace}"`);
  if (!scope.selector) return unique(inScope);
  const sel = { matchExpressions: scope.selector };
  const picked = inScope.filter((p) => selectorMatches(sel, p.labels));
  if (picked.length === 0)
    throw new ScopeError(
      `no pods match -l ${formatSelector(scope.selector)}${scope.kind === "namespace" ? ` in namespace "${scope.namespace}"` : ""}`,
    );
  return unique(picked);
}
