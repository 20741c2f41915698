// Between generation and output: the review UI on a terminal, or the decisions file and --undecided.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { workloadKey } from "../../model/keys.ts";
import type { WorkloadPolicy } from "../../model/types.ts";
import { writeAtomic } from "../../output/files.ts";
import { ruleLines, toYaml } from "../../output/yaml.ts";
import type { GenerateResult } from "../../pipeline/generate.ts";
import {
  DecisionsError,
  type DecisionsFile,
  keepAccepted,
  parseDecisions,
  recordDecisions,
  serializeDecisions,
} from "../../review/decisions.ts";
import { reviewRules } from "../../review/items.ts";
import { initialState } from "../../review/state.ts";
import { CliError, EXIT } from "../errors.ts";
import type { Io } from "../io.ts";
import type { GenOptions } from "./gen.ts";

export interface Decided {
  policies: WorkloadPolicy[];
  /** The user quit the review: write nothing. */
  quit: boolean;
  /** …with Ctrl-C. */
  interrupted?: boolean;
  /** Lines for the summary. */
  notes: string[];
}

async function readDecisions(file: string): Promise<DecisionsFile | null> {
  if (!existsSync(file)) return null;
  try {
    return parseDecisions(await readFile(file, "utf8"), file);
  } catch (e) {
    if (e instanceof DecisionsError) throw new CliError(e.message, EXIT.error, "Fix or remove the decisions file.");
    throw e;
  }
}

/** What decide needs of gen's options (diff passes its own: never a review, never an apply). */
export type DecideOptions = Pick<GenOptions, "decisionsPath" | "review" | "reviewForced" | "undecided" | "ci" | "apply">;

export async function decide(o: DecideOptions, gen: GenerateResult, io: Io, context: string, color: boolean): Promise<Decided> {
  const file = await readDecisions(o.decisionsPath);
  const recorded: Record<string, "accepted" | "rejected"> = {};
  for (const [id, r] of Object.entries(file?.decisions ?? {})) recorded[id] = r.decision === "accept" ? "accepted" : "rejected";
  const policies = gen.result.policies;
  const ids = policies.flatMap((p) => [...p.ingress, ...p.egress].map((r) => r.id));

  // Nothing new to decide: do not open the review unless asked for explicitly (--review).
  const nothingNew = ids.every((id) => recorded[id]);
  if (!o.review || (nothingNew && !o.reviewForced)) {
    const undecided = ids.filter((id) => !recorded[id]);
    const policy = o.undecided ?? (o.ci && file ? "fail" : "accept");
    if (undecided.length && policy === "fail") {
      throw new CliError(
        `${undecided.length} rule(s) have no decision in ${o.decisionsPath}`,
        EXIT.error,
        "Review them on a terminal (kubectl guardian gen … --review), or pass --undecided accept|reject.",
      );
    }
    const accept = (id: string) => recorded[id] === "accepted" || (!recorded[id] && policy === "accept");
    const skipped = new Set(file?.skipped ?? []);
    const notes = file
      ? [
          `decisions from ${o.decisionsPath}: ${ids.length - undecided.length} rule(s) recorded, ${undecided.length} new${undecided.length ? ` (${policy}ed)` : ""}`,
        ]
      : [];
    return { policies: keepAccepted(policies, accept, skipped, (p) => workloadKey(p.workload)), quit: false, notes };
  }

  if (!io.stdin) throw new CliError("the review needs a terminal on stdin");
  const rules = reviewRules(policies, gen.objects, toYaml, ruleLines, gen.index, gen.result.warnings);
  const initial = {
    ...initialState(rules, recorded),
    skipped: (file?.skipped ?? []).filter((k) => rules.some((r) => r.workloadKey === k)),
  };
  const { runReview } = await import("../../review/run.tsx");
  const scope = new Set(policies.map((p) => p.workload.namespace));
  const final = await runReview({
    initial,
    title: `kubectl-guardian review · context ${context} · ${scope.size === 1 ? `namespace ${[...scope][0]}` : `${scope.size} namespaces`}`,
    writeVerb: o.apply ? "apply" : "write",
    color,
    stdin: io.stdin,
    stdout: io.stdout as NodeJS.WriteStream,
  });
  if (final.done !== "write") {
    return {
      policies: [],
      quit: true,
      interrupted: final.interrupted,
      notes: ["review closed: nothing was written, no decision was saved"],
    };
  }
  const who = io.env.USER ?? io.env.USERNAME ?? safeUser();
  const next = recordDecisions(
    file ?? { decisions: {}, skipped: [] },
    rules,
    final.decisions,
    final.skipped,
    who,
    new Date().toISOString(),
  );
  await writeAtomic(o.decisionsPath, serializeDecisions(next));
  const skipped = new Set(final.skipped);
  const pending = rules.filter((r) => final.decisions[r.id] === "pending").length;
  return {
    policies: keepAccepted(
      policies,
      (id) => final.decisions[id] === "accepted",
      skipped,
      (p) => workloadKey(p.workload),
    ),
    quit: false,
    notes: [`decisions saved to ${o.decisionsPath}${pending ? `; ${pending} pending rule(s) left out` : ""}`],
  };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "unknown";
  }
}
