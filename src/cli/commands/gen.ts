// `gen networkpolicy`: complete → validate → run, in kubectl's manner.
import path from "node:path";
import type { GenerateOptions, Scope } from "../../pipeline/generate.ts";
import type { GenFlags } from "../app.ts";
import { UsageError } from "../errors.ts";
import { type ClusterFlags, clusterFlags } from "../flags/source.ts";
import { type Io, stdinFlags } from "../io.ts";

const HELP = "kubectl guardian gen networkpolicy";

export type Source = { kind: "demo" } | { kind: "snapshot"; path: string } | { kind: "cluster"; flags: ClusterFlags };

/** What gen passes through to the policy pipeline as it is. */
type PipelineFlags = Pick<GenerateOptions, "type" | "allowDns" | "minFlows" | "policyTypes" | "defaultDeny" | "includeDropped">;

export interface GenOptions extends PipelineFlags {
  /** The scope once the namespace is known (-n, else the context's). */
  scopeFor: (namespace: string) => Scope;
  /** -n as given. */
  namespace?: string;
  /** --hostnames: names for external addresses. */
  hostnames?: string;
  clusterwide: boolean;
  /** --strict: a skipped workload fails the run. */
  strict: boolean;
  report?: string;
  format: "yaml" | "json";
  /** `diff`: compare with the live policies instead of writing. */
  diff?: { exitCode: boolean };
  source: Source;
  /** "" means stdout. */
  outputDir: string;
  dryRun: "client" | "server" | "none";
  apply: boolean;
  forceConflicts: boolean;
  /** Where --apply and --dry-run=server go, whatever the traffic source. */
  kube: { kubeconfig?: string; context?: string };
  /** Open the review UI when there is something new to decide. */
  review: boolean;
  /** --review: open it even when every rule has a recorded decision. */
  reviewForced: boolean;
  decisionsPath: string;
  /** Given explicitly, or null for the default (decided once the decisions file is known). */
  undecided: "accept" | "reject" | "fail" | null;
  ci: boolean;
  /** -v: every warning, not a few of each kind. */
  verbose: boolean;
  /** Milliseconds before the data was read. */
  since?: number;
  force: boolean;
  color: "auto" | "always" | "never";
}

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** "90s", "15m", "1h30m", "7d" → milliseconds; null when malformed or zero. */
export function parseDuration(s: string): number | null {
  const re = /(\d+)([smhd])/g;
  if (!/^(\d+[smhd])+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(re)) total += Number(m[1]) * (UNITS[m[2] as string] as number);
  return total > 0 ? total : null;
}

const DRY_RUN: Record<string, GenOptions["dryRun"]> = {
  "": "client",
  true: "client",
  client: "client",
  server: "server",
  false: "none",
  none: "none",
};

/** Fills in defaults from flags and environment; rejects bad combinations with a usage error. */
export function complete(f: GenFlags, io: Io): GenOptions {
  const dryRun = DRY_RUN[f.dryRun];
  if (!dryRun) throw new UsageError(`invalid --dry-run value "${f.dryRun}": use true, server or false`, HELP);
  if (f.pod && (f.all || f.allNamespaces)) throw new UsageError("a pod name cannot be combined with --all or --all-namespaces", HELP);
  if (!f.pod && !f.all && !f.allNamespaces) {
    throw new UsageError("a pod name is required, or --all for a namespace, or -A for all namespaces", HELP);
  }
  if (f.demo && f.fromSnapshot) throw new UsageError("--demo and --from-snapshot cannot be combined", HELP);
  // The demo describes a made-up cluster: its policies would cut real traffic of same-named workloads.
  if (f.demo && (f.apply || dryRun === "none"))
    throw new UsageError("--demo cannot be applied: its policies describe a made-up cluster (use --dry-run=server to validate them)", HELP);
  if (!Number.isInteger(f.minFlows) || f.minFlows < 1)
    throw new UsageError(`--min-flows must be a whole number of at least 1, not "${f.minFlows}"`, HELP);
  const policyTypes = [...new Set(f.policyTypes.flatMap((t) => t.split(",")).map((t) => t.trim().toLowerCase()))];
  const bad = policyTypes.find((t) => t !== "ingress" && t !== "egress");
  if (bad !== undefined || policyTypes.length === 0)
    throw new UsageError(`invalid --policy-types "${bad ?? ""}": use Ingress, Egress or both`, HELP);
  let since: number | undefined;
  if (f.since !== undefined) {
    const d = parseDuration(f.since);
    if (d === null) throw new UsageError(`invalid --since "${f.since}": use a duration such as 30m, 2h or 7d`, HELP);
    since = d;
  }
  const timeout = parseDuration(f.requestTimeout);
  if (timeout === null) throw new UsageError(`invalid --request-timeout "${f.requestTimeout}": use a duration such as 30s or 2m`, HELP);
  if (!Number.isInteger(f.concurrency) || f.concurrency < 1 || f.concurrency > 64) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, not "${f.concurrency}"`, HELP);
  }
  const ci = (io.env.CI ?? "") !== "" && io.env.CI !== "false";
  const tty = io.stdinIsTTY && io.stdout.isTTY === true;
  if (f.review && !tty) throw new UsageError("--review needs a terminal: stdin and stdout must both be TTYs", HELP);
  if (f.review && (f.yes || f.nonInteractive)) throw new UsageError("--review cannot be combined with --yes or --non-interactive", HELP);
  const fromStdin = stdinFlags(
    [
      ["--from-snapshot", f.fromSnapshot],
      ["--hostnames", f.hostnames],
    ],
    HELP,
  );
  if (f.review && fromStdin.length) throw new UsageError(`--review needs stdin for keys: give ${fromStdin[0]} a file, not -`, HELP);
  const pod = f.pod as string;
  const cluster = clusterFlags(f, io, timeout);
  return {
    scopeFor: (namespace) =>
      f.allNamespaces ? { kind: "all" } : f.all ? { kind: "namespace", namespace } : { kind: "pod", namespace, name: pod },
    ...(f.namespace ? { namespace: f.namespace } : {}),
    type: f.type === "cilium" ? "cilium" : "kubernetes",
    clusterwide: f.clusterwide,
    ...(f.report ? { report: f.report } : {}),
    format: f.output === "json" ? "json" : "yaml",
    ...(f.hostnames ? { hostnames: f.hostnames } : {}),
    source: f.demo ? { kind: "demo" } : f.fromSnapshot ? { kind: "snapshot", path: f.fromSnapshot } : { kind: "cluster", flags: cluster },
    outputDir: f.outputDir,
    // --dry-run=false means apply, as kguardian's flag promised.
    dryRun: f.apply ? "none" : dryRun,
    apply: f.apply || dryRun === "none",
    forceConflicts: f.forceConflicts,
    kube: { ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) },
    review: f.review || (!f.nonInteractive && !f.yes && !ci && tty && fromStdin.length === 0),
    reviewForced: f.review,
    decisionsPath: f.decisions ?? path.join(f.outputDir || io.cwd, "guardian-decisions.yaml"),
    undecided: (f.undecided as GenOptions["undecided"]) ?? null,
    ci,
    verbose: f.verbose,
    allowDns: f.allowDns,
    minFlows: f.minFlows,
    policyTypes: (["Ingress", "Egress"] as const).filter((t) => policyTypes.includes(t.toLowerCase())),
    defaultDeny: f.defaultDeny,
    includeDropped: f.includeDropped,
    strict: f.strict,
    ...(since !== undefined ? { since } : {}),
    force: f.force,
    color: f.color as GenOptions["color"],
  };
}

/** Features that later versions fill in fail loudly instead of silently doing nothing. */
export function validate(o: GenOptions): void {
  if (o.clusterwide && o.type !== "cilium")
    throw new UsageError("--clusterwide needs --type cilium (Kubernetes has no cluster-wide NetworkPolicy)", HELP);
}

export async function runGen(f: GenFlags, io: Io, diff?: { exitCode: boolean }): Promise<number> {
  const opts = { ...complete(f, io), ...(diff ? { diff } : {}) };
  validate(opts);
  const { execute } = await import("./gen-run.ts");
  return execute(opts, io);
}
