// Semantic diff of the proposed policies against the live ones. Pure.
import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import type { ClusterIndex } from "../model/cluster.ts";
import { describePeer } from "../model/keys.ts";
import type { Connection, Inventory } from "../model/types.ts";
import { PolicyEvaluator } from "./evaluate.ts";
import { type AnyPolicy, mergePolicies } from "./merge.ts";
import { endpointOf } from "./replay.ts";

const MANAGED = "app.kubernetes.io/managed-by";
const key = (p: AnyPolicy) =>
  `${p.kind ?? "NetworkPolicy"} ${p.metadata?.namespace ? `${p.metadata.namespace}/` : ""}${p.metadata?.name ?? ""}`;

export interface PolicyDiff {
  create: string[];
  change: { name: string; patch: string }[];
  unchanged: number;
  /** Observed flows the change starts or stops allowing. */
  newlyAllowed: string[];
  newlyDenied: string[];
  /** Rules of live policies no observed flow used in the window. */
  unusedLive: string[];
}

/** What a comparison should look at: labels, annotations and spec, not server-set fields. */
function comparable(p: AnyPolicy): string {
  const m = (p as { metadata?: { labels?: unknown; annotations?: unknown } }).metadata ?? {};
  return stringify(
    {
      apiVersion: (p as { apiVersion?: string }).apiVersion,
      kind: p.kind,
      metadata: { name: p.metadata?.name, namespace: p.metadata?.namespace, labels: m.labels, annotations: m.annotations },
      spec: (p as { spec?: unknown }).spec,
    },
    { sortMapEntries: true, lineWidth: 0 },
  );
}

const flowText = (c: Connection) =>
  `${describePeer(c.src)} → ${describePeer(c.dst)} on ${c.port.port}/${c.port.protocol} (${c.evidence.flows} connection${c.evidence.flows === 1 ? "" : "s"})`;

/** Objects to create, objects to change (with a unified diff), and how many stay as they are. */
function objectChanges(live: AnyPolicy[], proposed: AnyPolicy[]): Pick<PolicyDiff, "create" | "change" | "unchanged"> {
  const liveByKey = new Map(live.map((p) => [key(p), p]));
  const create: string[] = [];
  const change: PolicyDiff["change"] = [];
  let unchanged = 0;
  for (const p of proposed) {
    const k = key(p);
    const before = liveByKey.get(k);
    if (!before) {
      create.push(k);
      continue;
    }
    const a = comparable(before);
    const b = comparable(p);
    if (a === b) unchanged++;
    else change.push({ name: k, patch: createTwoFilesPatch(`live/${k}`, `proposed/${k}`, a, b, "", "", { context: 3 }) });
  }
  return { create: create.sort(), change: change.sort((x, y) => (x.name < y.name ? -1 : 1)), unchanged };
}

type Labeller = (ns: string) => Record<string, string>;

/** Observed flows the change starts or stops allowing. */
function flowChanges(index: ClusterIndex, connections: Connection[], live: AnyPolicy[], proposed: AnyPolicy[], labelsOf: Labeller) {
  const beforeEval = new PolicyEvaluator(live, labelsOf);
  const afterEval = new PolicyEvaluator(mergePolicies(live, proposed), labelsOf);
  const newlyAllowed: string[] = [];
  const newlyDenied: string[] = [];
  for (const c of connections) {
    const src = endpointOf(index, c.src);
    const dst = endpointOf(index, c.dst);
    const before = beforeEval.check(src, dst, c.port.port, c.port.protocol);
    const after = afterEval.check(src, dst, c.port.port, c.port.protocol);
    // Without the address's name a toFQDNs rule cannot be judged: not reported as a change.
    if (before.nameUnknown || after.nameUnknown) continue;
    if (!before.allowed && after.allowed) newlyAllowed.push(flowText(c));
    if (before.allowed && !after.allowed) newlyDenied.push(flowText(c));
  }
  return { newlyAllowed: newlyAllowed.sort(), newlyDenied: newlyDenied.sort() };
}

/** Whether a rule, alone in its policy, still lets some observed flow of the policy's pods through. */
function ruleUsed(
  index: ClusterIndex,
  connections: Connection[],
  p: AnyPolicy,
  dir: "ingress" | "egress",
  rule: unknown,
  labelsOf: Labeller,
) {
  const spec = (p as { spec?: Record<string, unknown> }).spec ?? {};
  const alone = (rules: unknown[]) =>
    ({
      ...p,
      spec: {
        ...spec,
        policyTypes: [dir === "ingress" ? "Ingress" : "Egress"],
        [dir]: rules,
        [dir === "ingress" ? "egress" : "ingress"]: undefined,
      },
    }) as AnyPolicy;
  const withRule = new PolicyEvaluator([alone([rule])], labelsOf);
  const without = new PolicyEvaluator([alone([])], labelsOf);
  return connections.some((c) => {
    const src = endpointOf(index, c.src);
    const dst = endpointOf(index, c.dst);
    const self = dir === "egress" ? src : dst;
    if (!self.pod || self.pod.namespace !== p.metadata?.namespace) return false;
    return withRule.check(src, dst, c.port.port, c.port.protocol).allowed && !without.check(src, dst, c.port.port, c.port.protocol).allowed;
  });
}

/** Rules of live NetworkPolicies that no observed flow used in the window. */
function unusedRules(index: ClusterIndex, connections: Connection[], live: AnyPolicy[], labelsOf: Labeller): string[] {
  const out: string[] = [];
  for (const p of live) {
    if (p.kind && p.kind !== "NetworkPolicy") continue;
    const spec = (p as { spec?: { ingress?: unknown[]; egress?: unknown[] } }).spec ?? {};
    const ours = (p.metadata as { labels?: Record<string, string> })?.labels?.[MANAGED] === "kubectl-guardian" ? " (ours)" : "";
    for (const dir of ["ingress", "egress"] as const)
      for (const [i, rule] of (spec[dir] ?? []).entries())
        if (!ruleUsed(index, connections, p, dir, rule, labelsOf)) out.push(`${key(p)} ${dir} rule ${i + 1}${ours}`);
  }
  return out.sort();
}

export function diffPolicies(
  index: ClusterIndex,
  inventory: Inventory,
  connections: Connection[],
  live: AnyPolicy[],
  proposed: AnyPolicy[],
): PolicyDiff {
  const nsLabels = new Map(inventory.namespaces.map((n) => [n.name, n.labels]));
  const labelsOf = (ns: string) => nsLabels.get(ns) ?? { "kubernetes.io/metadata.name": ns };
  return {
    ...objectChanges(live, proposed),
    ...flowChanges(index, connections, live, proposed, labelsOf),
    unusedLive: unusedRules(index, connections, live, labelsOf),
  };
}
