// The run summary on stderr: counts first, so a user sees that nothing was silently dropped.

import type { BuildResult } from "../model/types.ts";
import type { WriteReport } from "./files.ts";

export interface Paint {
  warn: (s: string) => string;
  bold: (s: string) => string;
}

export const plain: Paint = { warn: (s) => s, bold: (s) => s };
export const ansi: Paint = { warn: (s) => `\x1b[33m${s}\x1b[0m`, bold: (s) => `\x1b[1m${s}\x1b[0m` };

const SKIP_TEXT: Record<string, string> = {
  "no-traffic": "without traffic",
  "host-network": "on the host network",
  unlabeled: "unlabeled",
  unobserved: "not observed by the agent",
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Beyond this many warnings of one kind, a run over hundreds of workloads shows a few and counts the rest. */
const SHOWN_PER_CODE = 5;
/** Each of these names a permission to ask for: all are shown. */
const ALWAYS_SHOWN = new Set(["rbac"]);

export function summaryLines(
  r: BuildResult,
  objects: number,
  kind: { one: string; many: string },
  paint: Paint,
  write?: WriteReport,
  allWarnings = false,
): string[] {
  const lines: string[] = [];
  const byCode = new Map<string, number>();
  for (const w of r.warnings) byCode.set(w.code, (byCode.get(w.code) ?? 0) + 1);
  const shown = new Map<string, number>();
  for (const w of r.warnings) {
    const total = byCode.get(w.code) ?? 0;
    const n = (shown.get(w.code) ?? 0) + 1;
    shown.set(w.code, n);
    if (allWarnings || ALWAYS_SHOWN.has(w.code) || total <= SHOWN_PER_CODE || n < SHOWN_PER_CODE)
      lines.push(paint.warn(`warning: ${w.message}`));
    else if (n === SHOWN_PER_CODE)
      lines.push(paint.warn(`warning: … and ${total - SHOWN_PER_CODE + 1} more ${w.code} warnings (-v lists them all)`));
  }
  // A workload with observed traffic that got no policy is a warning; one without is a note.
  for (const f of r.failed) lines.push(f.evidence ? paint.warn(`warning: ${f.message}`) : `note: ${f.message}`);
  const skipped = Object.entries(r.skipped)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${n} ${k}`);
  lines.push(
    paint.bold(
      `${plural(objects, kind.one, kind.many)}, ${plural(r.stats.rules, "rule", "rules")} for ${plural(r.stats.workloads, "workload", "workloads")} from ${plural(r.stats.rows, "traffic row", "traffic rows")} of ${plural(r.stats.pods, "pod", "pods")}` +
        (skipped.length ? ` (rows not used as evidence: ${skipped.join(", ")})` : ""),
    ),
  );
  if (write) {
    for (const f of write.written) lines.push(`wrote ${f}`);
    if (write.unchanged.length) lines.push(`${write.unchanged.length} file(s) unchanged`);
    for (const f of write.refused) lines.push(paint.warn(`error: not writing ${f.file}: ${f.reason}`));
  }
  const lost = r.failed.filter((f) => f.evidence);
  if (lost.length)
    lines.push(paint.warn(`${plural(lost.length, "workload", "workloads")} with observed traffic got no policy; see the warnings above`));
  const byReason = new Map<string, number>();
  for (const f of r.failed) if (!f.evidence) byReason.set(f.reason, (byReason.get(f.reason) ?? 0) + 1);
  if (byReason.size > 0)
    lines.push(
      `${plural(r.failed.length - lost.length, "workload", "workloads")} skipped (${[...byReason].map(([k, n]) => `${n} ${SKIP_TEXT[k] ?? k}`).join(", ")}; --strict fails the run on these)`,
    );
  const warned = r.warnings.length + lost.length;
  if (warned) lines.push(`${plural(warned, "warning", "warnings")}`);
  return lines;
}
