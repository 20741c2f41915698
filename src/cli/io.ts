// Everything the commands may touch of the process, passed in so that tests can run them in-process.
import { UsageError } from "./errors.ts";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  stdinIsTTY: boolean;
  /** For the review UI; absent in tests that never open it. */
  stdin?: NodeJS.ReadStream;
  cwd: string;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdinIsTTY: process.stdin.isTTY === true,
    stdin: process.stdin,
    cwd: process.cwd(),
  };
}

/** All of stdin as text ("-" for a file argument); empty when there is none. */
export async function readStdin(io: Pick<Io, "stdin">): Promise<string> {
  if (!io.stdin) return "";
  let text = "";
  for await (const chunk of io.stdin) text += chunk;
  return text;
}

/** The flags given "-"; at most one may be, as there is one stdin. */
export function stdinFlags(flags: [string, string | undefined][], help: string): string[] {
  const named = flags.filter(([, v]) => v === "-").map(([k]) => k);
  if (named.length > 1) throw new UsageError(`${named.join(" and ")} cannot both read stdin`, help);
  return named;
}

/** Colour only on a TTY, never with NO_COLOR, unless forced with --color always. */
export function colorEnabled(io: Io, flag: "auto" | "always" | "never"): boolean {
  if (flag === "always") return true;
  if (flag === "never" || (io.env.NO_COLOR ?? "") !== "") return false;
  return io.stderr.isTTY === true;
}
