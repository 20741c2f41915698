// Reports for CI: JSON for machines, Markdown ready to paste in a pull-request comment. Sorted, so that
// the same run gives the same bytes.
import path from "node:path";
import { writeAtomic } from "./files.ts";

export interface ReportRule {
  id: string;
  direction: string;
  peer: string;
  ports: string;
  /** Distinct connections observed. */
  connections: number;
  firstSeen?: string;
  /** When the newest of them was first seen (the broker records no last use). */
  newestFirstSeen?: string;
  decision?: string;
  /** Widened on purpose in the review: to what, and what it admits beyond the evidence. */
  widened?: { to: string; beyond: string[] };
}
export interface ReportPolicy {
  kind: string;
  namespace: string;
  name: string;
  workload: string;
  rules: ReportRule[];
}
export interface ReportDiff {
  create: string[];
  change: string[];
  newlyAllowed: string[];
  newlyDenied: string[];
  unusedLive: string[];
  patches: string[];
}

export interface Report {
  command: "gen" | "verify" | "diff";
  diff?: ReportDiff;
  generator: string;
  summary: Record<string, number | string>;
  policies: ReportPolicy[];
  wouldBreak: string[];
  /** Workloads that got no policy; `evidence`: it had observed traffic (an error, not a skip). */
  skipped?: { workload: string; reason: string; evidence: boolean; message: string }[];
  warnings: string[];
}

const esc = (s: string) => s.replace(/\|/g, "\\|");

export function toMarkdown(r: Report): string {
  const out: string[] = [];
  const broken = r.wouldBreak.length;
  out.push(
    `### kubectl-guardian ${r.command}: ${broken ? `⚠️ ${broken} observed flow(s) would be denied` : "✅ every observed flow stays allowed"}`,
    "",
  );
  out.push(
    Object.entries(r.summary)
      .map(([k, v]) => `**${k}**: ${v}`)
      .join(" · "),
    "",
  );
  if (r.diff) {
    const d = r.diff;
    out.push("#### Changes against the live cluster", "");
    for (const c of d.create) out.push(`- create ${c}`);
    for (const c of d.change) out.push(`- change ${c}`);
    for (const f of d.newlyAllowed) out.push(`- newly allowed: ${f}`);
    for (const f of d.newlyDenied) out.push(`- newly denied: ${f}`);
    for (const u of d.unusedLive) out.push(`- unused live rule: ${u}`);
    if (d.patches.length) out.push("", "```diff", ...d.patches.map((p) => p.trimEnd()), "```");
    out.push("");
  }
  if (broken) {
    out.push("#### Would be denied", "");
    for (const w of r.wouldBreak) out.push(`- ${w}`);
    out.push("");
  }
  for (const p of r.policies) {
    out.push(`<details><summary>${p.kind} <code>${p.namespace}/${p.name}</code> (${p.workload}): ${p.rules.length} rule(s)</summary>`, "");
    out.push("| rule | direction | peer | ports | connections | first seen | decision |", "|---|---|---|---|---|---|---|");
    for (const x of p.rules)
      out.push(
        `| \`${x.id}\` | ${x.direction} | ${esc(x.peer)} | ${x.ports} | ${x.connections} | ${x.firstSeen ?? ""} | ${x.decision ?? ""}${x.widened ? `, widened to ${esc(x.widened.to)}` : ""} |`,
      );
    out.push("", "</details>", "");
  }
  if (r.skipped?.length) {
    out.push("#### Workloads without a policy", "");
    for (const s of r.skipped) out.push(`- ${s.evidence ? "⚠️ " : ""}${esc(s.message)}`);
    out.push("");
  }
  if (r.warnings.length) {
    out.push("#### Warnings", "");
    for (const w of r.warnings) out.push(`- ${esc(w)}`);
    out.push("");
  }
  out.push(`<sub>${r.generator}</sub>`, "");
  return out.join("\n");
}

/** JSON or Markdown, chosen by the file's extension. */
export async function writeReport(file: string, r: Report): Promise<void> {
  const md = /\.(md|markdown)$/i.test(path.extname(file));
  await writeAtomic(file, md ? toMarkdown(r) : `${JSON.stringify(r, null, 2)}\n`);
}
