// `snapshot -o FILE`: record the broker's traffic and the cluster inventory, for gen --from-snapshot.
import type { ArgumentsCamelCase, Argv, CommandModule, Options } from "yargs";
import { UsageError } from "../errors.ts";
import { BROKER_OPTIONS, type ClusterFlags, completeBroker } from "../flags/broker.ts";
import { COMMON_OPTIONS, completeCommon } from "../flags/common.ts";
import { HOSTNAMES_OPTIONS } from "../flags/source.ts";
import { examplesText } from "../help.ts";
import type { Io } from "../io.ts";

const HELP = "kubectl guardian snapshot";

const OPTIONS = {
  output: { alias: "o", type: "string", demandOption: true, describe: 'File to write (JSON); "-" writes stdout' },
  namespace: { alias: "n", type: "string", describe: "Only this namespace's traffic (default: all)" },
  "all-namespaces": { alias: "A", type: "boolean", default: false, describe: "Every namespace (the default)" },
  ...HOSTNAMES_OPTIONS,
  ...COMMON_OPTIONS,
  ...BROKER_OPTIONS,
} as const satisfies Record<string, Options>;

export interface SnapshotOptions {
  output: string;
  namespace?: string | undefined;
  hostnames?: string | undefined;
  cluster: ClusterFlags;
}

export function complete(f: SnapshotArgs, io: Io): SnapshotOptions {
  const common = completeCommon(f, io);
  return { output: f.output, namespace: f.namespace, hostnames: f.hostnames, cluster: completeBroker(f, common, f.namespace, io, HELP) };
}

export function validate(f: SnapshotArgs): void {
  if (f.namespace && f.allNamespaces) throw new UsageError("-n and -A cannot be combined", HELP);
}

export async function run(o: SnapshotOptions, io: Io): Promise<number> {
  const { execute } = await import("./snapshot-run.ts");
  return execute(o, io);
}

const builder = (y: Argv) =>
  y.options(OPTIONS).epilog(
    examplesText([
      ["kubectl guardian snapshot -o traffic.json", "record everything the broker saw"],
      ["kubectl guardian gen netpol --all -n shop --from-snapshot traffic.json", "generate from it later, with no cluster"],
    ]),
  );

/** The parsed flags, as yargs infers them from the builder. */
type SnapshotArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;
export type SnapshotArgs = ArgumentsCamelCase<SnapshotArgv>;

export const snapshotCommand = (io: Io, done: (code: number) => void): CommandModule<object, SnapshotArgv> => ({
  command: "snapshot",
  describe: "Record the broker's traffic and the cluster inventory into a file, for gen --from-snapshot",
  builder,
  handler: async (args) => {
    validate(args);
    done(await run(complete(args, io), io));
  },
});
