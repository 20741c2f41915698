// The yargs command tree. Flags and their parsing only: handlers hand typed options to the run steps.
import yargs, { type Argv, type Options } from "yargs";
import { CliError, EXIT, UsageError } from "./errors.ts";
import type { Io } from "./io.ts";
import { BUILD_DATE, COMMIT, VERSION } from "./version.ts";

export const GEN_EXAMPLES: [string, string][] = [
  ["kubectl guardian gen networkpolicy my-app -n production", "policy for the workload of pod my-app, written to ./network-policies/"],
  ["kubectl guardian gen netpol my-app -n prod --output-dir ./policies", "the same with the netpol alias and another directory"],
  ["kubectl guardian gen netpol --all -n staging", "one policy per workload of namespace staging"],
  ["kubectl guardian gen netpol -A --output-dir ./cluster-policies", "every workload of every namespace"],
  ["kubectl guardian gen netpol my-app -n production --type cilium", "CiliumNetworkPolicy instead of NetworkPolicy"],
  ['kubectl guardian gen netpol my-app -n prod --output-dir ""', "YAML on stdout only, e.g. to pipe into kubectl apply -f -"],
  ["kubectl guardian gen netpol --all -n production --apply", "apply after a server-side dry run"],
  ["kubectl guardian gen netpol --all -A --demo", "try it on the bundled demo data, no cluster needed"],
];

const GEN_EXIT_CODES = `Exit codes:
  0    policies written; with --all/-A, workloads skipped for want of traffic or on the host network
       are listed, not failures
  1    an error: a pod whose traffic could not be read, observed traffic that got no policy, a
       refused write, a failed apply; with --strict also any skipped workload
  2    usage error
  3    diff --exit-code: changes pending
  4    observed flows the generated policies would deny
  130  interrupted`;

export interface GenFlags {
  pod?: string;
  namespace?: string;
  all: boolean;
  allNamespaces: boolean;
  type: string;
  outputDir: string;
  dryRun: string;
  apply: boolean;
  brokerUrl?: string;
  brokerToken?: string;
  brokerNamespace?: string;
  brokerService?: string;
  context?: string;
  kubeconfig?: string;
  nonInteractive: boolean;
  yes: boolean;
  review: boolean;
  decisions?: string;
  undecided?: string;
  demo: boolean;
  fromSnapshot?: string;
  hostnames?: string;
  allowDns: boolean;
  minFlows: number;
  strict: boolean;
  policyTypes: string[];
  defaultDeny: boolean;
  includeDropped: boolean;
  since?: string;
  force: boolean;
  color: string;
  concurrency: number;
  requestTimeout: string;
  verbose: boolean;
  forceConflicts: boolean;
  clusterwide: boolean;
  report?: string;
  output: string;
}

const GEN_HELP = "kubectl guardian gen networkpolicy";

/** Names for external addresses, which the broker does not record (gen, diff, snapshot and verify). */
const HOSTNAMES_OPTION = {
  hostnames: {
    type: "string",
    describe:
      'DNS names of external addresses: a JSON list of {ip, names}, or Hubble DNS flows (hubble observe --protocol dns -o json); "-" reads stdin',
  },
} as const satisfies Record<string, Options>;

/** How gen, diff, snapshot and verify reach the cluster and its broker. */
const CONNECTION_OPTIONS = {
  context: { type: "string", describe: "Kubeconfig context to use" },
  kubeconfig: { type: "string", describe: "Path to the kubeconfig file" },
  "broker-url": { type: "string", describe: "kguardian broker URL; skips the port-forward (env GUARDIAN_BROKER_URL)" },
  "broker-token": { type: "string", describe: "Bearer token for an auth-enabled broker (env BROKER_AUTH_TOKEN)" },
  "broker-namespace": { type: "string", describe: "Namespace of the broker Service (env KUBE_GUARDIAN_NAMESPACE, default kguardian)" },
  "broker-service": { type: "string", describe: "Name of the broker Service (default: found by label)" },
  concurrency: { type: "number", default: 8, describe: "Broker requests in flight at once" },
  "request-timeout": { type: "string", default: "30s", describe: "Timeout of each broker request" },
  verbose: { alias: "v", type: "boolean", default: false, describe: "Log each request (never credentials); list every warning" },
} as const satisfies Record<string, Options>;

/** kubectl's help layout: a comment line, then the command on a line of its own (never wrapped). */
function examplesText(examples: [string, string][]): string {
  return `Examples:\n${examples.map(([cmd, what]) => `  # ${what}\n  ${cmd}`).join("\n\n")}`;
}

function genBuilder(y: Argv): Argv<GenFlags> {
  return y
    .positional("pod", { type: "string", describe: "Pod (or workload) to generate a policy for" })
    .options({
      namespace: { alias: "n", type: "string", describe: "Namespace (default: the context's namespace)" },
      all: { alias: "a", type: "boolean", default: false, describe: "Every workload of the namespace" },
      "all-namespaces": { alias: "A", type: "boolean", default: false, describe: "Every workload of every namespace" },
      type: { alias: "t", type: "string", default: "kubernetes", choices: ["kubernetes", "k8s", "cilium"], describe: "Policy kind" },
      report: { type: "string", describe: "Write a report: .json, or .md for a pull-request comment" },
      output: {
        alias: "o",
        type: "string",
        choices: ["yaml", "json"],
        default: "yaml",
        describe: 'With --output-dir "": YAML documents, or one JSON List',
      },
      clusterwide: { type: "boolean", default: false, describe: "With --type cilium: CiliumClusterwideNetworkPolicy per workload" },
      "output-dir": { type: "string", default: "network-policies", describe: 'Directory for YAML files; "" prints to stdout' },
      "dry-run": {
        type: "string",
        default: "true",
        describe: "true|client: only write files; server: also validate on the API server; false: see --apply",
      },
      apply: { type: "boolean", default: false, describe: "Apply to the cluster after a server-side dry run" },
      "non-interactive": { type: "boolean", default: false, describe: "Never prompt (automatic without a TTY or when CI is set)" },
      yes: { alias: "y", type: "boolean", default: false, describe: "Do not open the review; the decisions file and --undecided decide" },
      review: { type: "boolean", default: false, describe: "Open the rule-by-rule review (needs a terminal)" },
      decisions: { type: "string", describe: "Decisions file (default: guardian-decisions.yaml in the output directory)" },
      undecided: {
        type: "string",
        choices: ["accept", "reject", "fail"],
        describe: "Rules without a recorded decision, when not reviewing (default: fail in CI with a decisions file, else accept)",
      },
      demo: { type: "boolean", default: false, describe: "Use the traffic data bundled in the binary" },
      "from-snapshot": { type: "string", describe: 'Generate from a snapshot file instead of the cluster ("-": stdin)' },
      "allow-dns": { type: "boolean", default: true, describe: "Always allow egress to the cluster DNS (UDP and TCP)" },
      "min-flows": { type: "number", default: 1, describe: "Drop rules seen fewer times (reported)" },
      "policy-types": { type: "string", array: true, default: ["Ingress", "Egress"], describe: "Directions to restrict" },
      "default-deny": { type: "boolean", default: false, describe: "Also emit a default-deny policy per namespace" },
      "include-dropped": { type: "boolean", default: false, describe: "Turn kernel-dropped flows into candidate rules" },
      strict: { type: "boolean", default: false, describe: "Exit 1 when any workload in scope is skipped (no traffic, host network)" },
      since: { type: "string", describe: "Only traffic newer than this (e.g. 30m, 2h, 7d)" },
      force: { type: "boolean", default: false, describe: "Overwrite files, or change live objects, that kubectl-guardian did not write" },
      "force-conflicts": { type: "boolean", default: false, describe: "With --apply: take over fields another field manager owns" },
      color: { type: "string", default: "auto", choices: ["auto", "always", "never"], describe: "Colour on stderr" },
      ...HOSTNAMES_OPTION,
      ...CONNECTION_OPTIONS,
    })
    .epilog(`${examplesText(GEN_EXAMPLES)}\n\n${GEN_EXIT_CODES}`) as unknown as Argv<GenFlags>;
}

/** kubectl's wording for unknown flags, naming what the user typed (yargs also lists camelCase twins). */
function unknownArgs(msg: string, argv: string[]): string | null {
  const m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (!m) return null;
  const names = (m[1] as string).split(", ").filter((n) => !/[A-Z]/.test(n));
  const typed = names.map((n) => argv.find((t) => t.startsWith("-") && t.replace(/^-+/, "").split("=")[0]?.endsWith(n)) ?? n);
  const flags = typed.filter((t) => t.startsWith("-"));
  if (flags.length > 0) return `unknown flag${flags.length > 1 ? "s" : ""}: ${[...new Set(flags.map((t) => t.split("=")[0]))].join(", ")}`;
  if (typed[0] === argv[0]) return `unknown command "${argv[0]}"`;
  return `unexpected argument${typed.length > 1 ? "s" : ""}: ${typed.join(", ")}`;
}

/** "--policies -" as kubectl's "-f -": yargs takes a lone "-" after a flag for another flag, so join them. */
function joinStdinValues(argv: string[]): string[] {
  const out: string[] = [];
  for (const t of argv) {
    const prev = out.at(-1);
    if (t === "-" && prev && /^(--[^=]+|-[A-Za-z])$/.test(prev)) out[out.length - 1] = `${prev}=-`;
    else out.push(t);
  }
  return out;
}

export async function run(rawArgv: string[], io: Io): Promise<number> {
  const argv = joinStdinValues(rawArgv);
  let exitCode: number = EXIT.ok;
  const fail = (e: unknown) => {
    if (e instanceof CliError) {
      io.stderr.write(`error: ${e.message}\n`);
      if (e.hint) io.stderr.write(`${e.hint}\n`);
      exitCode = e.exitCode;
      return;
    }
    const err = e as Error;
    io.stderr.write(`error: ${err?.message ?? String(e)}\n`);
    // By name: the validator's module (and its schemas) is loaded only by commands that render.
    if (err?.name === "InvalidObjectError")
      io.stderr.write(
        "This is a bug in kubectl-guardian, not in your data: nothing was written or applied. Please report it with the line above.\n",
      );
    if (io.env.GUARDIAN_DEBUG) io.stderr.write(`${err?.stack}\n`);
    exitCode = EXIT.error;
  };

  const parser = yargs(argv)
    .scriptName("kubectl guardian")
    .locale("en")
    .usage("kubectl guardian: least-privilege network policies from observed traffic (kguardian)\n\nUsage: $0 <command> [flags]")
    .command(
      ["gen <kind> [pod]", "generate"],
      "Generate policies from observed traffic",
      (y) =>
        genBuilder(
          y.positional("kind", {
            choices: ["networkpolicy", "netpol"],
            describe: "What to generate (networkpolicy, alias netpol)",
          }),
        ),
      async (args) => {
        const { runGen } = await import("./commands/gen.ts");
        exitCode = await runGen(args as unknown as GenFlags, io);
      },
    )
    .command(
      "snapshot",
      "Record the broker's traffic and the cluster inventory into a file, for gen --from-snapshot",
      (y) =>
        y
          .options({
            output: { alias: "o", type: "string", demandOption: true, describe: 'File to write (JSON); "-" writes stdout' },
            namespace: { alias: "n", type: "string", describe: "Only this namespace's traffic (default: all)" },
            "all-namespaces": { alias: "A", type: "boolean", default: false, describe: "Every namespace (the default)" },
            ...HOSTNAMES_OPTION,
            ...CONNECTION_OPTIONS,
          })
          .epilog(
            examplesText([
              ["kubectl guardian snapshot -o traffic.json", "record everything the broker saw"],
              ["kubectl guardian gen netpol --all -n shop --from-snapshot traffic.json", "generate from it later, with no cluster"],
            ]),
          ),
      async (args) => {
        const { runSnapshot } = await import("./commands/snapshot.ts");
        exitCode = await runSnapshot(args as never, io);
      },
    )
    .command(
      "diff <kind> [pod]",
      "Compare the policies gen would produce with those live in the cluster",
      (y) =>
        genBuilder(
          y.positional("kind", { choices: ["networkpolicy", "netpol"], describe: "What to compare (networkpolicy, alias netpol)" }),
        )
          .option("exit-code", {
            type: "boolean",
            default: false,
            describe: "Exit 3 when there are changes to apply, as git diff --exit-code",
          })
          .epilog(
            examplesText([
              ["kubectl guardian diff netpol --all -n shop", "what would change in shop"],
              ["kubectl guardian diff netpol -A --exit-code", "in CI: exit 3 while policies are not up to date"],
            ]),
          ),
      async (args) => {
        const { runGen } = await import("./commands/gen.ts");
        exitCode = await runGen({ ...(args as unknown as GenFlags), yes: true, outputDir: "" }, io, {
          exitCode: (args as { exitCode?: boolean }).exitCode === true,
        });
      },
    )
    .command(
      "verify",
      "Replay the observed traffic against the live policies plus proposed ones; list what they would deny",
      (y) =>
        y
          .options({
            policies: { type: "string", describe: 'Proposed policies: a YAML file, a directory of them, or "-" for stdin' },
            namespace: { alias: "n", type: "string", describe: "Flows to or from this namespace (default: the context's)" },
            "all-namespaces": { alias: "A", type: "boolean", default: false, describe: "Every flow" },
            demo: { type: "boolean", default: false, describe: "Use the traffic data bundled in the binary" },
            "from-snapshot": { type: "string", describe: 'Use a snapshot file instead of the cluster ("-": stdin)' },
            since: { type: "string", describe: "Only traffic newer than this (e.g. 30m, 2h, 7d)" },
            report: { type: "string", describe: "Write a report: .json, or .md for a pull-request comment" },
            output: { alias: "o", type: "string", choices: ["text", "json"], default: "text", describe: "Output format" },
            ...HOSTNAMES_OPTION,
            ...CONNECTION_OPTIONS,
          })
          .epilog(
            examplesText([
              ["kubectl guardian verify -n shop --policies ./network-policies", "would these files cut any traffic seen in shop?"],
              [
                "kubectl guardian verify -A --from-snapshot traffic.json --policies policies/ --report verify.md",
                "offline, with a report for the pull request",
              ],
            ]),
          ),
      async (args) => {
        const { runVerify } = await import("./commands/verify.ts");
        exitCode = await runVerify(args as never, io);
      },
    )
    .command(
      "rollback <file>",
      "Undo an --apply: delete what it created, restore what it changed",
      (y) =>
        y.positional("file", { type: "string", describe: "The rollback-<time>.yaml file that --apply wrote" }).options({
          context: { type: "string", describe: "Kubeconfig context (default: the one the apply used)" },
          kubeconfig: { type: "string", describe: "Path to the kubeconfig file" },
        }),
      async (args) => {
        const { runRollback } = await import("./commands/rollback.ts");
        exitCode = await runRollback(args as never, io);
      },
    )
    .command(
      "version",
      "Print the version, commit and build date",
      (y) => y.option("output", { alias: "o", type: "string", choices: ["text", "json"], default: "text" }),
      (args) => {
        const info = { version: VERSION, commit: COMMIT, buildDate: BUILD_DATE };
        io.stdout.write(
          args.output === "json" ? `${JSON.stringify(info)}\n` : `kubectl-guardian ${VERSION} (commit ${COMMIT}, built ${BUILD_DATE})\n`,
        );
      },
    )
    .command(
      "completion <shell>",
      "Print a shell completion script (bash or zsh)",
      (y) => y.positional("shell", { choices: ["bash", "zsh"], describe: "Shell" }),
      async (args) => {
        const { completionScript } = await import("./commands/completion.ts");
        io.stdout.write(completionScript(args.shell as "bash" | "zsh"));
      },
    )
    .completion("__completion-script", false)
    .epilog(
      examplesText([
        ["kubectl guardian gen netpol my-app -n production", "policy for one workload"],
        ["kubectl guardian gen netpol --all -A --demo", "try it on the bundled demo data"],
        ["kubectl guardian version", "print version information"],
      ]),
    )
    .demandCommand(1, "a command is required: gen, diff, verify, snapshot, rollback, version or completion")
    .strict()
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version(false)
    // A fixed width, as kubectl's help has: the same text on every terminal (and precomputable).
    .wrap(100)
    .fail((msg, err) => {
      if (err) throw err;
      // yargs spreads some messages over lines; an error is one line.
      const line = unknownArgs(msg ?? "", argv) ?? (msg ?? "invalid command line").replace(/\s*\n\s*/g, " ");
      throw new UsageError(line, argv[0] === "gen" ? GEN_HELP : "kubectl guardian");
    })
    .exitProcess(false)
    .showHelpOnFail(false);

  try {
    await parser.parseAsync(argv, {}, (err, _argv, output) => {
      if (output && !err) io.stdout.write(`${output}\n`);
    });
  } catch (e) {
    fail(e);
  }
  return exitCode;
}
