// `gen networkpolicy`: Options → complete → validate → run, in kubectl's manner. Start-up loads only
// this definition; the run's modules load when it runs.
import type { ArgumentsCamelCase, Argv, CommandModule, Options } from "yargs";
import { UsageError } from "../errors.ts";
import { BROKER_OPTIONS, type ClusterFlags, completeBroker } from "../flags/broker.ts";
import { COMMON_OPTIONS, type Common, completeCommon } from "../flags/common.ts";
import { completePolicy, completeTarget, type Generation, POLICY_OPTIONS, TARGET_OPTIONS } from "../flags/generate.ts";
import { completeSince, completeSource, HOSTNAMES_OPTIONS, OFFLINE_OPTIONS, SINCE_OPTIONS, type Source } from "../flags/source.ts";
import { examplesText } from "../help.ts";
import { type Io, stdinFlags } from "../io.ts";

export const GEN_HELP = "kubectl guardian gen networkpolicy";

export const GEN_EXAMPLES: [string, string][] = [
  ["kubectl guardian gen networkpolicy my-app -n production", "policy for the workload of pod my-app, written to ./network-policies/"],
  ["kubectl guardian gen netpol my-app -n prod --output-dir ./policies", "the same with the netpol alias and another directory"],
  ["kubectl guardian gen netpol deploy/api -n shop", "the Deployment api, named as kubectl does (sts/NAME, ds/NAME, job/NAME, pod/NAME)"],
  ["kubectl guardian gen netpol -l tier=backend -n shop", "every workload of shop whose pods carry tier=backend"],
  ["kubectl guardian gen netpol --all -n staging", "one policy per workload of namespace staging"],
  ["kubectl guardian gen netpol -A --output-dir ./cluster-policies", "every workload of every namespace"],
  ["kubectl guardian gen netpol my-app -n production --type cilium", "CiliumNetworkPolicy instead of NetworkPolicy"],
  ['kubectl guardian gen netpol my-app -n prod --output-dir ""', "YAML on stdout only, e.g. to pipe into kubectl apply -f -"],
  ["kubectl guardian gen netpol --all -n production --apply", "apply after a server-side dry run"],
  ["kubectl guardian gen netpol --all -A --demo", "try it on the bundled demo data, no cluster needed"],
];

const EXIT_CODES = `Exit codes:
  0    policies written; with --all/-A, workloads skipped for want of traffic or on the host network
       are listed, not failures
  1    an error: a pod whose traffic could not be read, observed traffic that got no policy, a
       refused write, a failed apply; with --strict also any skipped workload
  2    usage error
  4    observed flows the written policies would deny
  130  interrupted`;

/** gen's own flags: where the result goes, and what may change the cluster. */
const OUTPUT_OPTIONS = {
  "output-dir": { type: "string", default: "network-policies", describe: 'Directory for YAML files; "" prints to stdout' },
  output: {
    alias: "o",
    type: "string",
    choices: ["yaml", "json"],
    default: "yaml",
    describe: 'With --output-dir "": YAML documents, or one JSON List',
  },
  report: { type: "string", describe: "Write a report: .json, or .md for a pull-request comment" },
  "dry-run": {
    type: "string",
    default: "true",
    describe: "true|client: only write files; server: also validate on the API server; false: see --apply",
  },
  apply: { type: "boolean", default: false, describe: "Apply to the cluster after a server-side dry run" },
  force: {
    type: "boolean",
    default: false,
    describe: "Overwrite files, or change live objects, that kubectl-guardian did not write; apply on incomplete evidence",
  },
  "force-conflicts": { type: "boolean", default: false, describe: "With --apply: take over fields another field manager owns" },
  yes: { alias: "y", type: "boolean", default: false, describe: "Do not open the review; the decisions file and --undecided decide" },
  review: { type: "boolean", default: false, describe: "Open the rule-by-rule review (needs a terminal)" },
  strict: { type: "boolean", default: false, describe: "Exit 1 when any workload in scope is skipped (no traffic, host network)" },
} as const satisfies Record<string, Options>;

const OPTIONS = {
  ...TARGET_OPTIONS,
  ...POLICY_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...OFFLINE_OPTIONS,
  "from-snapshot": { type: "string", describe: 'Generate from a snapshot file instead of the cluster ("-": stdin)' },
  ...SINCE_OPTIONS,
  ...HOSTNAMES_OPTIONS,
  ...COMMON_OPTIONS,
  ...BROKER_OPTIONS,
} as const satisfies Record<string, Options>;

const builder = (y: Argv) =>
  y
    .positional("kind", {
      choices: ["networkpolicy", "netpol"] as const,
      demandOption: true,
      describe: "What to generate (networkpolicy, alias netpol)",
    })
    .positional("pod", { type: "string", describe: "Pod, workload, or TYPE/NAME as kubectl takes it (deploy/web, sts/db, pod/web-1)" })
    .options(OPTIONS)
    .epilog(`${examplesText(GEN_EXAMPLES)}\n\n${EXIT_CODES}`);

/** The parsed flags, as yargs infers them from the builder. */
type GenArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;
export type GenArgs = ArgumentsCamelCase<GenArgv>;

export interface GenOptions extends Generation, Common {
  /** --hostnames: names for external addresses. */
  hostnames?: string | undefined;
  /** Milliseconds before the data was read. */
  since?: number | undefined;
  source: Source;
  /** "" means stdout. */
  outputDir: string;
  format: "yaml" | "json";
  report?: string | undefined;
  dryRun: "client" | "server" | "none";
  apply: boolean;
  force: boolean;
  forceConflicts: boolean;
  /** Open the review when there is something new to decide. */
  review: boolean;
  /** --review: open it even when every rule has a recorded decision. */
  reviewForced: boolean;
  /** --strict: a skipped workload fails the run. */
  strict: boolean;
}

const DRY_RUN: Record<string, GenOptions["dryRun"]> = {
  "": "client",
  true: "client",
  client: "client",
  server: "server",
  false: "none",
  none: "none",
};

/** Fills in defaults from flags and environment. */
export function complete(f: GenArgs, io: Io): GenOptions {
  const common = completeCommon(f, io);
  const dryRun = DRY_RUN[f.dryRun];
  if (!dryRun) throw new UsageError(`invalid --dry-run value "${f.dryRun}": use true, server or false`, GEN_HELP);
  const fromStdin = stdinFlags(
    [
      ["--from-snapshot", f.fromSnapshot],
      ["--from-hubble", f.fromHubble],
      ["--hostnames", f.hostnames],
    ],
    GEN_HELP,
  );
  const cluster: ClusterFlags = completeBroker(f, common, f.namespace, io, GEN_HELP);
  return {
    ...common,
    ...completeTarget(f, GEN_HELP),
    ...completePolicy(f, f.outputDir || io.cwd, GEN_HELP),
    hostnames: f.hostnames,
    since: completeSince(f.since, GEN_HELP),
    source: completeSource(f, cluster, GEN_HELP),
    outputDir: f.outputDir,
    format: f.output === "json" ? "json" : "yaml",
    report: f.report,
    // --dry-run=false means apply, as kguardian's flag promised.
    dryRun: f.apply ? "none" : dryRun,
    apply: f.apply || dryRun === "none",
    force: f.force,
    forceConflicts: f.forceConflicts,
    review: f.review || (common.interactive && !f.yes && fromStdin.length === 0),
    reviewForced: f.review,
    strict: f.strict,
  };
}

/** Rejects bad combinations with a usage error (exit 2). */
export function validate(o: GenOptions, f: GenArgs): void {
  // The demo describes a made-up cluster: its policies would cut real traffic of same-named workloads.
  if (o.source.kind === "demo" && o.apply)
    throw new UsageError(
      "--demo cannot be applied: its policies describe a made-up cluster (use --dry-run=server to validate them)",
      GEN_HELP,
    );
  if (f.review && !o.tty) throw new UsageError("--review needs a terminal: stdin and stdout must both be TTYs", GEN_HELP);
  if (f.review && (f.yes || f.nonInteractive))
    throw new UsageError("--review cannot be combined with --yes or --non-interactive", GEN_HELP);
  if (f.review && (f.fromSnapshot === "-" || f.hostnames === "-"))
    throw new UsageError(
      `--review needs stdin for keys: give ${f.fromSnapshot === "-" ? "--from-snapshot" : "--hostnames"} a file, not -`,
      GEN_HELP,
    );
}

export async function run(o: GenOptions, io: Io): Promise<number> {
  const { execute } = await import("./gen-run.ts");
  return execute(o, io);
}

export const genCommand = (io: Io, done: (code: number) => void): CommandModule<object, GenArgv> => ({
  command: ["gen <kind> [pod]", "generate"],
  describe: "Generate policies from observed traffic",
  builder,
  handler: async (args) => {
    const o = complete(args, io);
    validate(o, args);
    done(await run(o, io));
  },
});
