// Everything the commands may touch of the process, passed in so that tests can run them in-process.
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

/** Colour only on a TTY, never with NO_COLOR, unless forced with --color always. */
export function colorEnabled(io: Io, flag: "auto" | "always" | "never"): boolean {
  if (flag === "always") return true;
  if (flag === "never" || (io.env.NO_COLOR ?? "") !== "") return false;
  return io.stderr.isTTY === true;
}
