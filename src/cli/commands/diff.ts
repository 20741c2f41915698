// `diff networkpolicy`: what gen would produce against what is live. A command of its own: it reads
// the live cluster, so it takes no offline source and writes nothing.
import type { ArgumentsCamelCase, Argv, CommandModule, Options } from "yargs";
import { BROKER_OPTIONS, completeBroker } from "../flags/broker.ts";
import { COMMON_OPTIONS, type Common, completeCommon } from "../flags/common.ts";
import { completePolicy, completeTarget, type Generation, POLICY_OPTIONS, TARGET_OPTIONS } from "../flags/generate.ts";
import { completeSince, completeSource, HOSTNAMES_OPTIONS, OFFLINE_OPTIONS, SINCE_OPTIONS, type Source } from "../flags/source.ts";
import { examplesText } from "../help.ts";
import type { Io } from "../io.ts";

export const DIFF_HELP = "kubectl guardian diff networkpolicy";

const OPTIONS = {
  ...TARGET_OPTIONS,
  ...POLICY_OPTIONS,
  "exit-code": { type: "boolean", default: false, describe: "Exit 3 when there are changes to apply, as git diff --exit-code" },
  report: { type: "string", describe: "Write a report: .json, or .md for a pull-request comment" },
  ...SINCE_OPTIONS,
  ...HOSTNAMES_OPTIONS,
  "from-hubble": OFFLINE_OPTIONS["from-hubble"],
  "include-audit": OFFLINE_OPTIONS["include-audit"],
  ...COMMON_OPTIONS,
  ...BROKER_OPTIONS,
} as const satisfies Record<string, Options>;

export interface DiffOptions extends Generation, Common {
  /** The evidence: the broker, or Hubble's flows; the policies compared with are the cluster's either way. */
  source: Extract<Source, { kind: "cluster" | "hubble" }>;
  hostnames?: string | undefined;
  since?: number | undefined;
  exitCode: boolean;
  report?: string | undefined;
}

export function complete(f: DiffArgs, io: Io): DiffOptions {
  const common = completeCommon(f, io);
  return {
    ...common,
    ...completeTarget(f, DIFF_HELP),
    ...completePolicy(f, io.cwd, DIFF_HELP),
    source: completeSource(
      { fromHubble: f.fromHubble, includeAudit: f.includeAudit },
      completeBroker(f, common, f.namespace, io, DIFF_HELP),
      DIFF_HELP,
    ) as DiffOptions["source"],
    hostnames: f.hostnames,
    since: completeSince(f.since, DIFF_HELP),
    exitCode: f.exitCode,
    report: f.report,
  };
}

export async function run(o: DiffOptions, io: Io): Promise<number> {
  const { execute } = await import("./diff-run.ts");
  return execute(o, io);
}

const builder = (y: Argv) =>
  y
    .positional("kind", {
      choices: ["networkpolicy", "netpol"] as const,
      demandOption: true,
      describe: "What to compare (networkpolicy, alias netpol)",
    })
    .positional("pod", { type: "string", describe: "Pod, workload, or TYPE/NAME (deploy/web, sts/db, pod/web-1) to compare the policy of" })
    .options(OPTIONS)
    .epilog(
      `${examplesText([
        ["kubectl guardian diff netpol --all -n shop", "what would change in shop"],
        ["kubectl guardian diff netpol -A --exit-code", "in CI: exit 3 while policies are not up to date"],
      ])}\n\nExit codes: 0 no change that denies observed traffic; 3 with --exit-code, changes pending; 4 observed flows newly denied; 1 error; 2 usage error`,
    );

/** The parsed flags, as yargs infers them from the builder. */
type DiffArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;
export type DiffArgs = ArgumentsCamelCase<DiffArgv>;

export const diffCommand = (io: Io, done: (code: number) => void): CommandModule<object, DiffArgv> => ({
  command: "diff <kind> [pod]",
  describe: "Compare the policies gen would produce with those live in the cluster",
  builder,
  handler: async (args) => {
    // Nothing to reject beyond the flag groups' own checks in complete.
    done(await run(complete(args, io), io));
  },
});
