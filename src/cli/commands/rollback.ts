// `rollback FILE`: undo an --apply from the file it saved before changing anything.
import type { ArgumentsCamelCase, Argv, CommandModule, Options } from "yargs";
import { COMMON_OPTIONS, completeCommon } from "../flags/common.ts";
import type { Io } from "../io.ts";

const OPTIONS = {
  ...COMMON_OPTIONS,
  context: { type: "string", describe: "Kubeconfig context (default: the one the apply used)" },
} as const satisfies Record<string, Options>;

export interface RollbackOptions {
  file: string;
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

export function complete(f: RollbackArgs, io: Io): RollbackOptions {
  return { file: f.file, ...completeCommon(f, io).kube };
}

export async function run(o: RollbackOptions, io: Io): Promise<number> {
  const { execute } = await import("./rollback-run.ts");
  return execute(o, io);
}

const builder = (y: Argv) =>
  y
    .positional("file", { type: "string", demandOption: true, describe: "The rollback-<time>.yaml file that --apply wrote" })
    .options(OPTIONS);

/** The parsed flags, as yargs infers them from the builder. */
type RollbackArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;
export type RollbackArgs = ArgumentsCamelCase<RollbackArgv>;

export const rollbackCommand = (io: Io, done: (code: number) => void): CommandModule<object, RollbackArgv> => ({
  command: "rollback <file>",
  describe: "Undo an --apply: delete what it created, restore what it changed",
  builder,
  // Nothing to validate: one file, and the kubeconfig flags.
  handler: async (args) => done(await run(complete(args, io), io)),
});
