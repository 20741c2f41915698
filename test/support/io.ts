import { type ChildProcess, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { run } from "../../src/cli/app.ts";
import type { Io } from "../../src/cli/io.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams; no TTY unless asked. */
export async function runCli(
  argv: string[],
  opts: { env?: Record<string, string>; tty?: boolean; cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const out = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  const err = new PassThrough() as PassThrough & { isTTY?: boolean };
  out.on("data", (d) => {
    stdout += d;
  });
  err.on("data", (d) => {
    stderr += d;
  });
  out.isTTY = opts.tty === true;
  err.isTTY = opts.tty === true;
  const io: Io = { stdout: out, stderr: err, env: opts.env ?? {}, stdinIsTTY: opts.tty === true, cwd: opts.cwd ?? process.cwd() };
  if (opts.stdin !== undefined) {
    const input = new PassThrough();
    input.end(opts.stdin);
    io.stdin = input as unknown as NodeJS.ReadStream;
  }
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

/** The CLI from source in a child process, so that a test can signal it; its output is discarded. */
export function spawnCli(argv: string[]): ChildProcess {
  return spawn(process.execPath, [path.resolve(import.meta.dirname, "../../src/cli/main.ts"), ...argv], {
    stdio: "ignore",
    env: { PATH: process.env.PATH ?? "", HOME: tmpdir() },
  });
}
