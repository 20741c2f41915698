import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const BINARY = path.join(ROOT, "dist", "kubectl-guardian");

/** The e2e suite tests what `npm run build` made; without it the suite fails, it never skips. */
export function requireBinary(): string {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run 'npm run build' first`);
  return BINARY;
}

export interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function exec(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Proc {
  const r = spawnSync(cmd, args, {
    env: opts.env ?? (process.env as Record<string, string>),
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? "",
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
