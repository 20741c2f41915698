// `gen networkpolicy`: complete → validate → run, in kubectl's manner.
import type { GenFlags } from "./app.ts";
import { CliError, EXIT, NotYetSupported, UsageError } from "./errors.ts";
import type { Io } from "./io.ts";

const HELP = "kubectl guardian gen networkpolicy";

export type Source = { kind: "demo" } | { kind: "snapshot"; path: string } | { kind: "cluster" };

export interface GenOptions {
  scope: { kind: "pod"; namespace: string; name: string } | { kind: "namespace"; namespace: string } | { kind: "all" };
  type: "kubernetes" | "cilium";
  source: Source;
  /** "" means stdout. */
  outputDir: string;
  dryRun: "client" | "server" | "none";
  apply: boolean;
  interactive: boolean;
  allowDns: boolean;
  minFlows: number;
  policyTypes: ("Ingress" | "Egress")[];
  defaultDeny: boolean;
  includeDropped: boolean;
  /** Milliseconds. */
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
  const namespace = f.namespace ?? "default";
  const ci = (io.env.CI ?? "") !== "" && io.env.CI !== "false";
  return {
    scope: f.allNamespaces ? { kind: "all" } : f.all ? { kind: "namespace", namespace } : { kind: "pod", namespace, name: f.pod as string },
    type: f.type === "cilium" ? "cilium" : "kubernetes",
    source: f.demo ? { kind: "demo" } : f.fromSnapshot ? { kind: "snapshot", path: f.fromSnapshot } : { kind: "cluster" },
    outputDir: f.outputDir,
    dryRun: f.apply ? "none" : dryRun,
    apply: f.apply,
    interactive: !f.nonInteractive && !ci && io.stdinIsTTY && io.stdout.isTTY === true,
    allowDns: f.allowDns,
    minFlows: f.minFlows,
    policyTypes: (["Ingress", "Egress"] as const).filter((t) => policyTypes.includes(t.toLowerCase())),
    defaultDeny: f.defaultDeny,
    includeDropped: f.includeDropped,
    ...(since !== undefined ? { since } : {}),
    force: f.force,
    color: f.color as GenOptions["color"],
  };
}

/** Features that later versions fill in fail loudly instead of silently doing nothing. */
export function validate(o: GenOptions, f: GenFlags): void {
  if (o.type === "cilium") throw new NotYetSupported("--type cilium");
  if (o.apply) throw new NotYetSupported("--apply");
  if (o.dryRun === "none") throw new NotYetSupported("--dry-run=false (applying)");
  if (o.dryRun === "server") throw new NotYetSupported("--dry-run=server");
  if (o.source.kind === "cluster") {
    throw new CliError(
      "reading traffic from a live cluster's kguardian broker is not yet supported in this version",
      EXIT.error,
      "Use --demo for the bundled data, or --from-snapshot FILE.",
    );
  }
  if (f.brokerUrl || f.brokerToken) throw new NotYetSupported("--broker-url / --broker-token");
}

export async function runGen(f: GenFlags, io: Io): Promise<number> {
  const opts = complete(f, io);
  validate(opts, f);
  const { execute } = await import("./gen-run.ts");
  return execute(opts, io);
}
