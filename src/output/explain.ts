// explain's text: the rules, then each rule's rows, then the rows that became no rule. Plain lines,
// stable order (time, then uuid), so that two runs on the same data print the same bytes.
import type { ExplainedRow, Explanation } from "../model/explain.ts";

const rowLine = (r: ExplainedRow) =>
  `  ${r.time}  ${r.uuid}  ${r.pod}  ${r.direction} ${r.local} ↔ ${r.remote} ${r.protocol} ${r.decision}`;

function rowBlock(r: ExplainedRow, only?: string): string[] {
  const out = [rowLine(r)];
  if (r.skipped) out.push(`      skipped: ${r.skipped.reason}: ${r.skipped.why}`);
  else out.push(`      remote:  ${r.resolvedAs}`);
  for (const c of r.connections) {
    if (only !== undefined && c.rule !== only) continue;
    out.push(
      `      became:  ${c.direction} ${c.direction === "egress" ? "to" : "from"} ${c.peer} on ${c.port} → ${c.rule ?? `(${c.note})`}`,
    );
  }
  return out;
}

export function explainText(e: Explanation, rule?: string): string {
  const lines: string[] = [];
  const rules = rule === undefined ? e.rules : e.rules.filter((r) => r.id === rule);
  lines.push(
    `${e.workload}: ${e.policy ? `${e.rules.length} rule(s)` : `no policy (${e.failed ?? "no traffic"})`} from ${e.rows.length} row(s) about it`,
  );
  for (const w of e.warnings) lines.push(`warning: ${w}`);
  for (const r of rules) {
    const mine = e.rows.filter((x) => x.connections.some((c) => c.rule === r.id));
    lines.push("");
    lines.push(`rule ${r.id}: ${r.direction} ${r.direction === "egress" ? "to" : "from"} ${r.peer} on ${r.ports}`);
    lines.push(
      r.synthetic
        ? `  ${r.synthetic}`
        : `  ${r.connections} connection(s), first seen ${r.firstSeen}, newest first seen ${r.newestFirstSeen}; ${mine.length} row(s):`,
    );
    for (const x of mine) lines.push(...rowBlock(x, rule));
  }
  if (rule === undefined) {
    const unused = e.rows.filter((x) => x.connections.every((c) => c.rule === null));
    if (unused.length) {
      lines.push("", `not in any rule: ${unused.length} row(s)`);
      for (const x of unused) lines.push(...rowBlock(x));
    }
  }
  return `${lines.join("\n")}\n`;
}
