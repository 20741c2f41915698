// `verify`: replays the observed traffic against the live policies plus proposed ones.
import type { ArgumentsCamelCase, Argv, CommandModule, Options } from "yargs";
import { UsageError } from "../errors.ts";
import { BROKER_OPTIONS, completeBroker } from "../flags/broker.ts";
import { COMMON_OPTIONS, type Common, completeCommon } from "../flags/common.ts";
import { completeSince, completeSource, HOSTNAMES_OPTIONS, OFFLINE_OPTIONS, SINCE_OPTIONS, type Source } from "../flags/source.ts";
import { examplesText } from "../help.ts";
import { type Io, stdinFlags } from "../io.ts";

const HELP = "kubectl guardian verify";

const OPTIONS = {
  policies: { type: "string", describe: 'Proposed policies: a YAML file, a directory of them, or "-" for stdin' },
  namespace: { alias: "n", type: "string", describe: "Flows to or from this namespace (default: the context's)" },
  "all-namespaces": { alias: "A", type: "boolean", default: false, describe: "Every flow" },
  ...OFFLINE_OPTIONS,
  ...SINCE_OPTIONS,
  report: { type: "string", describe: "Write a report: .json, or .md for a pull-request comment" },
  output: { alias: "o", type: "string", choices: ["text", "json"], default: "text", describe: "Output format" },
  ...HOSTNAMES_OPTIONS,
  ...COMMON_OPTIONS,
  ...BROKER_OPTIONS,
} as const satisfies Record<string, Options>;

export interface VerifyOptions extends Common {
  policies?: string | undefined;
  namespace?: string | undefined;
  allNamespaces: boolean;
  source: Source;
  since?: number | undefined;
  hostnames?: string | undefined;
  report?: string | undefined;
  format: "text" | "json";
}

export function complete(f: VerifyArgs, io: Io): VerifyOptions {
  const common = completeCommon(f, io);
  return {
    ...common,
    policies: f.policies,
    namespace: f.namespace,
    allNamespaces: f.allNamespaces,
    source: completeSource(f, completeBroker(f, common, f.namespace, io, HELP), HELP),
    since: completeSince(f.since, HELP),
    hostnames: f.hostnames,
    report: f.report,
    format: f.output === "json" ? "json" : "text",
  };
}

export function validate(o: VerifyOptions, f: VerifyArgs): void {
  if (o.namespace && o.allNamespaces) throw new UsageError("-n and -A cannot be combined", HELP);
  stdinFlags(
    [
      ["--policies", f.policies],
      ["--from-snapshot", f.fromSnapshot],
      ["--from-hubble", f.fromHubble],
      ["--hostnames", f.hostnames],
    ],
    HELP,
  );
}

export async function run(o: VerifyOptions, io: Io): Promise<number> {
  const { execute } = await import("./verify-run.ts");
  return execute(o, io);
}

const builder = (y: Argv) =>
  y.options(OPTIONS).epilog(
    examplesText([
      ["kubectl guardian verify -n shop --policies ./network-policies", "would these files cut any traffic seen in shop?"],
      [
        "kubectl guardian verify -A --from-snapshot traffic.json --policies policies/ --report verify.md",
        "offline, with a report for the pull request",
      ],
    ]),
  );

/** The parsed flags, as yargs infers them from the builder. */
type VerifyArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;
export type VerifyArgs = ArgumentsCamelCase<VerifyArgv>;

export const verifyCommand = (io: Io, done: (code: number) => void): CommandModule<object, VerifyArgv> => ({
  command: "verify",
  describe: "Replay the observed traffic against the live policies plus proposed ones; list what they would deny",
  builder,
  handler: async (args) => {
    const o = complete(args, io);
    validate(o, args);
    done(await run(o, io));
  },
});
