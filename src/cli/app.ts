// The command router: each command's flags, complete, validate and run live in src/cli/commands/;
// this file registers them and turns every failure into kubectl's one-line error and exit code.
import yargs from "yargs";
import { completionCommand } from "./commands/completion.ts";
import { DIFF_HELP, diffCommand } from "./commands/diff.ts";
import { explainCommand } from "./commands/explain.ts";
import { GEN_HELP, genCommand } from "./commands/gen.ts";
import { rollbackCommand } from "./commands/rollback.ts";
import { snapshotCommand } from "./commands/snapshot.ts";
import { verifyCommand } from "./commands/verify.ts";
import { versionCommand } from "./commands/version.ts";
import { CliError, EXIT, UsageError } from "./errors.ts";
import { examplesText } from "./help.ts";
import type { Io } from "./io.ts";

export { GEN_EXAMPLES } from "./commands/gen.ts";

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

/** Which command's help a usage error points to. */
const HELP_OF: Record<string, string> = {
  gen: GEN_HELP,
  generate: GEN_HELP,
  diff: DIFF_HELP,
  verify: "kubectl guardian verify",
  snapshot: "kubectl guardian snapshot",
  rollback: "kubectl guardian rollback",
};

function report(e: unknown, io: Io): number {
  if (e instanceof CliError) {
    io.stderr.write(`error: ${e.message}\n`);
    if (e.hint) io.stderr.write(`${e.hint}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  io.stderr.write(`error: ${err?.message ?? String(e)}\n`);
  // By name: the validator's module (and its schemas) is loaded only by commands that render.
  if (err?.name === "InvalidObjectError")
    io.stderr.write(
      "This is a bug in kubectl-guardian, not in your data: nothing was written or applied. Please report it with the line above.\n",
    );
  if (io.env.GUARDIAN_DEBUG) io.stderr.write(`${err?.stack}\n`);
  return EXIT.error;
}

export async function run(rawArgv: string[], io: Io): Promise<number> {
  const argv = joinStdinValues(rawArgv);
  let exitCode: number = EXIT.ok;
  const done = (code: number) => {
    exitCode = code;
  };
  const parser = yargs(argv)
    .scriptName("kubectl guardian")
    .locale("en")
    .usage("kubectl guardian: least-privilege network policies from observed traffic (kguardian)\n\nUsage: $0 <command> [flags]")
    .command(genCommand(io, done))
    .command(snapshotCommand(io, done))
    .command(diffCommand(io, done))
    .command(verifyCommand(io, done))
    .command(explainCommand(io, done))
    .command(rollbackCommand(io, done))
    .command(versionCommand(io))
    .command(completionCommand(io))
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
      throw new UsageError(line, HELP_OF[argv[0] ?? ""] ?? "kubectl guardian");
    })
    .exitProcess(false)
    .showHelpOnFail(false);
  try {
    await parser.parseAsync(argv, {}, (err, _argv, output) => {
      if (output && !err) io.stdout.write(`${output}\n`);
    });
  } catch (e) {
    exitCode = report(e, io);
  }
  return exitCode;
}
