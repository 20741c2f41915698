// The run step of `explain`: load the evidence with its rows kept, trace them, print.
import { explainText } from "../../output/explain.ts";
import { explain } from "../../pipeline/explain.ts";
import { CliError, EXIT } from "../errors.ts";
import type { Io } from "../io.ts";
import type { ExplainOptions } from "./explain.ts";
import { generateOptions, inScope, load } from "./generation.ts";

export async function execute(o: ExplainOptions, io: Io): Promise<number> {
  const src = await load(o, io, { keepRows: true });
  try {
    const snap = src.snapshot;
    const e = inScope(() => explain(snap.inventory, snap.data, generateOptions(o, src)));
    if (o.rule !== undefined && !e.rules.some((r) => r.id === o.rule))
      throw new CliError(
        `${e.workload} has no rule ${o.rule}`,
        EXIT.error,
        e.rules.length ? `Its rules: ${e.rules.map((r) => r.id).join(", ")}.` : "It has no rules.",
      );
    if (o.format === "json") {
      const rows = o.rule === undefined ? e.rows : e.rows.filter((x) => x.connections.some((c) => c.rule === o.rule));
      const rules = o.rule === undefined ? e.rules : e.rules.filter((r) => r.id === o.rule);
      io.stdout.write(`${JSON.stringify({ ...e, rules, rows }, null, 2)}\n`);
    } else io.stdout.write(explainText(e, o.rule));
    return EXIT.ok;
  } finally {
    await src.close();
  }
}
