// Flags every command that talks to a cluster or could prompt accepts, so that a CI script can pass
// the same set to each; and their complete step.
import type { Options } from "yargs";
import type { Io } from "../io.ts";

export const COMMON_OPTIONS = {
  context: { type: "string", describe: "Kubeconfig context to use" },
  kubeconfig: { type: "string", describe: "Path to the kubeconfig file" },
  verbose: { alias: "v", type: "boolean", default: false, describe: "Log each request (never credentials); list every warning" },
  color: { type: "string", default: "auto", choices: ["auto", "always", "never"], describe: "Colour on stderr" },
  "non-interactive": { type: "boolean", default: false, describe: "Never prompt (automatic without a TTY or when CI is set)" },
} as const satisfies Record<string, Options>;

export interface CommonFlags {
  context?: string | undefined;
  kubeconfig?: string | undefined;
  verbose: boolean;
  color: string;
  nonInteractive: boolean;
}

export interface Common {
  kube: { kubeconfig?: string | undefined; context?: string | undefined };
  verbose: boolean;
  color: "auto" | "always" | "never";
  ci: boolean;
  /** stdin and stdout are terminals. */
  tty: boolean;
  /** A prompt or the review may open: a terminal, CI unset, no --non-interactive. */
  interactive: boolean;
}

export function completeCommon(f: CommonFlags, io: Io): Common {
  const ci = (io.env.CI ?? "") !== "" && io.env.CI !== "false";
  const tty = io.stdinIsTTY && io.stdout.isTTY === true;
  return {
    kube: { kubeconfig: f.kubeconfig, context: f.context },
    verbose: f.verbose,
    color: f.color as Common["color"],
    ci,
    tty,
    interactive: tty && !ci && !f.nonInteractive,
  };
}

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** "90s", "15m", "1h30m", "7d" → milliseconds; null when malformed or zero. */
export function parseDuration(s: string): number | null {
  if (!/^(\d+[smhd])+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+)([smhd])/g)) total += Number(m[1]) * (UNITS[m[2] as string] as number);
  return total > 0 ? total : null;
}
