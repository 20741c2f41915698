// What to generate for and how: the target workloads and the policy flags gen and diff share, with
// their complete step.
import path from "node:path";
import type { Options } from "yargs";
import { parseSelector, type Requirement, SelectorSyntaxError } from "../../model/selector.ts";
import { kindOfWord, TARGET_WORDS } from "../../model/targets.ts";
import type { GenerateOptions, Scope } from "../../pipeline/generate.ts";
import { UsageError } from "../errors.ts";

export const TARGET_OPTIONS = {
  namespace: { alias: "n", type: "string", describe: "Namespace (default: the context's namespace)" },
  all: { alias: "a", type: "boolean", default: false, describe: "Every workload of the namespace" },
  "all-namespaces": { alias: "A", type: "boolean", default: false, describe: "Every workload of every namespace" },
  selector: {
    alias: "l",
    type: "string",
    describe: "Only workloads whose pods match this label selector (kubectl's syntax: app=web,tier!=db,env in (a,b))",
  },
} as const satisfies Record<string, Options>;

export const POLICY_OPTIONS = {
  type: { alias: "t", type: "string", default: "kubernetes", choices: ["kubernetes", "k8s", "cilium"], describe: "Policy kind" },
  clusterwide: { type: "boolean", default: false, describe: "With --type cilium: CiliumClusterwideNetworkPolicy per workload" },
  "allow-dns": { type: "boolean", default: true, describe: "Always allow egress to the cluster DNS (UDP and TCP)" },
  "min-flows": { type: "number", default: 1, describe: "Drop rules with fewer distinct connections observed (reported)" },
  "policy-types": { type: "string", array: true, default: ["Ingress", "Egress"], describe: "Directions to restrict" },
  "default-deny": { type: "boolean", default: false, describe: "Also emit a default-deny policy per namespace" },
  "include-dropped": { type: "boolean", default: false, describe: "Turn kernel-dropped flows into candidate rules" },
  "include-unobserved": {
    type: "boolean",
    default: false,
    describe: "Also generate for workloads the agent does not record (excluded namespaces, DaemonSets), with a warning on every rule",
  },
  decisions: { type: "string", describe: "Decisions file (default: guardian-decisions.yaml in the output directory)" },
  undecided: {
    type: "string",
    choices: ["accept", "reject", "fail"],
    describe: "Rules without a recorded decision, when not reviewing (default: fail in CI with a decisions file, else accept)",
  },
} as const satisfies Record<string, Options>;

export interface TargetFlags {
  pod?: string | undefined;
  namespace?: string | undefined;
  all: boolean;
  allNamespaces: boolean;
  selector?: string | undefined;
}

export interface PolicyFlags {
  type: string;
  clusterwide: boolean;
  allowDns: boolean;
  minFlows: number;
  policyTypes: readonly (string | number)[];
  defaultDeny: boolean;
  includeDropped: boolean;
  includeUnobserved: boolean;
  decisions?: string | undefined;
  undecided?: string | undefined;
}

type PipelineFlags = Pick<
  GenerateOptions,
  "type" | "clusterwide" | "allowDns" | "minFlows" | "policyTypes" | "defaultDeny" | "includeDropped" | "includeUnobserved"
>;

export interface Generation extends PipelineFlags {
  /** The scope once the namespace is known (-n, else the context's). */
  scopeFor: (namespace: string) => Scope;
  /** -n as given. */
  namespace?: string | undefined;
  decisionsPath: string;
  /** Given explicitly, or null for the default (decided once the decisions file is known). */
  undecided: "accept" | "reject" | "fail" | null;
}

/** `TYPE/NAME` as kubectl takes it (deploy/web, deployment.apps/web, pod/web-1), or a bare pod-or-workload name. */
export function parseTarget(text: string, help: string): { name: string; resource?: string } {
  const slash = text.indexOf("/");
  if (slash < 0) return { name: text };
  const word = text.slice(0, slash);
  const name = text.slice(slash + 1);
  const resource = kindOfWord(word);
  if (!resource) throw new UsageError(`"${word}" is not a workload type: use ${TARGET_WORDS}`, help);
  if (!name || name.includes("/")) throw new UsageError(`"${text}" is not TYPE/NAME (e.g. deploy/web)`, help);
  return { name, resource };
}

export function completeTarget(f: TargetFlags, help: string): Pick<Generation, "scopeFor" | "namespace"> {
  if (f.pod && (f.all || f.allNamespaces)) throw new UsageError("a pod name cannot be combined with --all or --all-namespaces", help);
  if (f.pod && f.selector !== undefined) throw new UsageError("a name cannot be combined with -l/--selector (kubectl's rule too)", help);
  if (!f.pod && !f.all && !f.allNamespaces && f.selector === undefined)
    throw new UsageError("a pod or TYPE/NAME is required, or -l to pick by label, --all for a namespace, -A for all namespaces", help);
  let selector: Requirement[] | undefined;
  if (f.selector !== undefined) {
    try {
      selector = parseSelector(f.selector);
    } catch (e) {
      if (e instanceof SelectorSyntaxError) throw new UsageError(`invalid -l: ${e.message}`, help);
      throw e;
    }
  }
  const target = f.pod ? parseTarget(f.pod, help) : null;
  const sel = selector ? { selector } : {};
  return {
    scopeFor: (namespace) =>
      target ? { kind: "pod", namespace, ...target } : f.allNamespaces ? { kind: "all", ...sel } : { kind: "namespace", namespace, ...sel },
    namespace: f.namespace,
  };
}

/** `dir`: where the decisions file lives by default (the output directory, or the working one). */
export function completePolicy(f: PolicyFlags, dir: string, help: string): Omit<Generation, "scopeFor" | "namespace"> {
  if (!Number.isInteger(f.minFlows) || f.minFlows < 1)
    throw new UsageError(`--min-flows must be a whole number of at least 1, not "${f.minFlows}"`, help);
  const types = [...new Set(f.policyTypes.flatMap((t) => String(t).split(",")).map((t) => t.trim().toLowerCase()))];
  const bad = types.find((t) => t !== "ingress" && t !== "egress");
  if (bad !== undefined || types.length === 0)
    throw new UsageError(`invalid --policy-types "${bad ?? ""}": use Ingress, Egress or both`, help);
  const type = f.type === "cilium" ? "cilium" : "kubernetes";
  if (f.clusterwide && type !== "cilium")
    throw new UsageError("--clusterwide needs --type cilium (Kubernetes has no cluster-wide NetworkPolicy)", help);
  return {
    type,
    clusterwide: f.clusterwide,
    allowDns: f.allowDns,
    minFlows: f.minFlows,
    policyTypes: (["Ingress", "Egress"] as const).filter((t) => types.includes(t.toLowerCase())),
    defaultDeny: f.defaultDeny,
    includeDropped: f.includeDropped,
    includeUnobserved: f.includeUnobserved,
    decisionsPath: f.decisions ?? path.join(dir, "guardian-decisions.yaml"),
    undecided: (f.undecided as Generation["undecided"] | undefined) ?? null,
  };
}
