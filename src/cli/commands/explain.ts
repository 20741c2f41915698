// `explain <pod|TYPE/NAME>`: the raw evidence behind one workload's policy, without a port-forward or
// curl of one's own. Options → complete → validate → run, as the other commands.
import type { ArgumentsCamelCase, Argv, CommandModule, Options } from "yargs";
import { BROKER_OPTIONS, completeBroker } from "../flags/broker.ts";
import { COMMON_OPTIONS, type Common, completeCommon } from "../flags/common.ts";
import { completePolicy, completeTarget, type Generation, POLICY_OPTIONS } from "../flags/generate.ts";
import { completeSince, completeSource, HOSTNAMES_OPTIONS, OFFLINE_OPTIONS, SINCE_OPTIONS, type Source } from "../flags/source.ts";
import { examplesText } from "../help.ts";
import { type Io, stdinFlags } from "../io.ts";

export const EXPLAIN_HELP = "kubectl guardian explain";

const { decisions: _d, undecided: _u, "default-deny": _dd, clusterwide: _c, ...RULE_OPTIONS } = POLICY_OPTIONS;

const OPTIONS = {
  namespace: { alias: "n", type: "string", describe: "Namespace (default: the context's)" },
  rule: { type: "string", describe: "Only this rule's evidence (its id, as in the YAML comments and the review)" },
  output: { alias: "o", type: "string", choices: ["text", "json"], default: "text", describe: "Output format" },
  ...RULE_OPTIONS,
  ...OFFLINE_OPTIONS,
  "from-snapshot": { type: "string", describe: 'Explain from a snapshot file instead of the cluster ("-": stdin)' },
  ...SINCE_OPTIONS,
  ...HOSTNAMES_OPTIONS,
  ...COMMON_OPTIONS,
  ...BROKER_OPTIONS,
} as const satisfies Record<string, Options>;

export interface ExplainOptions extends Generation, Common {
  source: Source;
  hostnames?: string | undefined;
  since?: number | undefined;
  rule?: string | undefined;
  format: "text" | "json";
}

const builder = (y: Argv) =>
  y
    .positional("target", { type: "string", demandOption: true, describe: "Pod, workload, or TYPE/NAME (deploy/web, sts/db, pod/web-1)" })
    .options(OPTIONS)
    .epilog(
      `${examplesText([
        ["kubectl guardian explain deploy/web -n shop", "every broker row behind web's policy, how each was read, and its rule"],
        ["kubectl guardian explain web -n shop --rule r-0123456789ab", "the evidence of one rule"],
        ["kubectl guardian explain deploy/web -n shop -o json | jq '.rows[] | select(.skipped)'", "rows that became no rule, for tools"],
      ])}\n\nExit codes: 0 explained; 1 error (target or rule not found, broker unreachable); 2 usage error`,
    );

type ExplainArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;
export type ExplainArgs = ArgumentsCamelCase<ExplainArgv>;

export function complete(f: ExplainArgs, io: Io): ExplainOptions {
  const common = completeCommon(f, io);
  stdinFlags(
    [
      ["--from-snapshot", f.fromSnapshot],
      ["--from-hubble", f.fromHubble],
      ["--hostnames", f.hostnames],
    ],
    EXPLAIN_HELP,
  );
  return {
    ...common,
    ...completeTarget({ pod: f.target, namespace: f.namespace, all: false, allNamespaces: false }, EXPLAIN_HELP),
    ...completePolicy({ ...f, clusterwide: false, defaultDeny: false }, io.cwd, EXPLAIN_HELP),
    source: completeSource(f, completeBroker(f, common, f.namespace, io, EXPLAIN_HELP), EXPLAIN_HELP),
    hostnames: f.hostnames,
    since: completeSince(f.since, EXPLAIN_HELP),
    rule: f.rule,
    format: f.output === "json" ? "json" : "text",
  };
}

export async function run(o: ExplainOptions, io: Io): Promise<number> {
  const { execute } = await import("./explain-run.ts");
  return execute(o, io);
}

export const explainCommand = (io: Io, done: (code: number) => void): CommandModule<object, ExplainArgv> => ({
  command: "explain <target>",
  describe: "Show the raw evidence behind a workload's policy: each row, how it was read, which rule it became",
  builder,
  handler: async (args) => done(await run(complete(args, io), io)),
});
