// Between generation and output: the review UI on a terminal, or the decisions file and --undecided.
// Recorded widenings are applied either way, so that CI writes what the reviewer chose.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { peerKey, workloadKey } from "../../model/keys.ts";
import type { WidenChoice, WorkloadPolicy } from "../../model/types.ts";
import { writeAtomic } from "../../output/files.ts";
import { ruleLines, toYaml } from "../../output/yaml.ts";
import type { GenerateResult } from "../../pipeline/generate.ts";
import { ladders, type RuleLadder } from "../../policy/widen.ts";
import { applyWidenings, choiceOf } from "../../policy/widen-apply.ts";
import {
  DecisionsError,
  type DecisionsFile,
  keepAccepted,
  parseDecisions,
  recordDecisions,
  recordedWidenings,
  serializeDecisions,
} from "../../review/decisions.ts";
import { reviewRules } from "../../review/items.ts";
import { initialState, type ReviewRule, type ReviewState } from "../../review/state.ts";
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

const ruleIds = (ps: WorkloadPolicy[]) => ps.flatMap((p) => [...p.ingress, ...p.egress].map((r) => r.id));
const byWorkload = (p: WorkloadPolicy) => workloadKey(p.workload);

/**
 * The recorded widenings against this run: those whose exact rule is gone are applied up front (their
 * rule stands for the new evidence inside them); the others stay choices the review can change.
 */
function prepare(file: DecisionsFile | null, exact: WorkloadPolicy[]) {
  const choices = recordedWidenings(file);
  const present = new Set(ruleIds(exact));
  const pre = applyWidenings(
    exact,
    choices.filter((c) => !present.has(c.id)),
  );
  const live = choices.filter((c) => present.has(c.id));
  const all = applyWidenings(pre.policies, live);
  // `widened`: every recorded widening applied, as the decisions file alone decides.
  return {
    policies: pre.policies,
    widened: all.policies,
    live,
    settled: new Set([...pre.absorbed, ...all.absorbed]),
    count: choices.length,
  };
}

export async function decide(o: DecideOptions, gen: GenerateResult, io: Io, context: string, color: boolean): Promise<Decided> {
  const file = await readDecisions(o.decisionsPath);
  const recorded: Record<string, "accepted" | "rejected"> = {};
  for (const [id, r] of Object.entries(file?.decisions ?? {})) recorded[id] = r.decision === "accept" ? "accepted" : "rejected";
  const prep = prepare(file, gen.result.policies);
  const ids = ruleIds(prep.policies);
  // Nothing new to decide: do not open the review unless asked for explicitly (--review).
  const nothingNew = ids.every((id) => recorded[id] || prep.settled.has(id));
  if (!o.review || (nothingNew && !o.reviewForced)) return fromFile(o, file, prep, recorded, ids);
  return review(o, gen, io, { file, prep, recorded, context, color });
}

function fromFile(
  o: DecideOptions,
  file: DecisionsFile | null,
  prep: ReturnType<typeof prepare>,
  recorded: Record<string, string>,
  ids: string[],
): Decided {
  const undecided = ids.filter((id) => !recorded[id] && !prep.settled.has(id));
  const policy = o.undecided ?? (o.ci && file ? "fail" : "accept");
  if (undecided.length && policy === "fail") {
    throw new CliError(
      `${undecided.length} rule(s) have no decision in ${o.decisionsPath}`,
      EXIT.error,
      "Review them on a terminal (kubectl guardian gen … --review), or pass --undecided accept|reject.",
    );
  }
  const accept = (id: string) => recorded[id] === "accepted" || (!recorded[id] && policy === "accept");
  const notes = file
    ? [
        `decisions from ${o.decisionsPath}: ${ids.length - undecided.length} rule(s) recorded, ${undecided.length} new${undecided.length ? ` (${policy}ed)` : ""}${prep.count ? `; ${prep.count} widened rule(s) replayed` : ""}`,
      ]
    : [];
  return { policies: keepAccepted(prep.widened, accept, new Set(file?.skipped ?? []), byWorkload), quit: false, notes };
}

/** Recorded widenings as the review's state: the step each stands at, a recorded step the ladder lacks spliced in. */
function recordedSteps(live: WidenChoice[], lad: Map<string, RuleLadder>, policies: WorkloadPolicy[]) {
  const widen: Record<string, number> = {};
  const portRange: Record<string, boolean> = {};
  for (const c of live) {
    const l = lad.get(c.id);
    if (!l) continue;
    const portsOnly = c.peer === undefined;
    const samePorts = c.ports !== undefined && l.ports !== null && JSON.stringify(l.ports.ports) === JSON.stringify(c.ports);
    if (samePorts) portRange[c.id] = true;
    if (portsOnly) continue;
    let i = l.peer.findIndex((s) => s.peer && c.peer && peerKey(s.peer) === peerKey(c.peer));
    if (i < 0) {
      const covers = [...applyWidenings(policies, [c]).absorbed];
      l.peer.unshift({
        step: c.step,
        label: `${c.label} (recorded)`,
        beyond: c.beyond,
        peer: c.peer as never,
        ...(c.ports && !samePorts ? { ports: c.ports } : {}),
        covers,
      });
      i = 0;
    }
    widen[c.id] = i + 1;
  }
  return { widen, portRange };
}

interface ReviewCtx {
  file: DecisionsFile | null;
  prep: ReturnType<typeof prepare>;
  recorded: Record<string, "accepted" | "rejected">;
  context: string;
  color: boolean;
}

async function review(o: DecideOptions, gen: GenerateResult, io: Io, x: ReviewCtx): Promise<Decided> {
  if (!io.stdin) throw new CliError("the review needs a terminal on stdin");
  const policies = x.prep.policies;
  const lad = ladders(policies, gen.index);
  const steps = recordedSteps(x.prep.live, lad, policies);
  const rules = reviewRules(policies, gen.objects, toYaml, ruleLines, gen.index, gen.result.warnings, lad);
  const initial = {
    ...initialState(rules, x.recorded, { ...steps, settled: x.prep.settled }),
    skipped: (x.file?.skipped ?? []).filter((k) => rules.some((r) => r.workloadKey === k)),
  };
  const { runReview } = await import("../../review/run.tsx");
  const scope = new Set(policies.map((p) => p.workload.namespace));
  const final = await runReview({
    initial,
    title: `kubectl-guardian review · context ${x.context} · ${scope.size === 1 ? `namespace ${[...scope][0]}` : `${scope.size} namespaces`}`,
    writeVerb: o.apply ? "apply" : "write",
    color: x.color,
    stdin: io.stdin,
    stdout: io.stdout as NodeJS.WriteStream,
  });
  if (final.done !== "write")
    return {
      policies: [],
      quit: true,
      interrupted: final.interrupted,
      notes: ["review closed: nothing was written, no decision was saved"],
    };
  return saveReview(o, io, x.file, policies, rules, final, lad);
}

async function saveReview(
  o: DecideOptions,
  io: Io,
  file: DecisionsFile | null,
  policies: WorkloadPolicy[],
  rules: ReviewRule[],
  final: ReviewState,
  lad: Map<string, RuleLadder>,
): Promise<Decided> {
  const choices = new Map<string, WidenChoice | null>();
  for (const r of rules) {
    const l = lad.get(r.id);
    if (!l) continue;
    const target = r.workloadKey;
    choices.set(r.id, choiceOf({ id: r.id, target, direction: r.direction }, l, final.widen[r.id] ?? 0, final.portRange[r.id] === true));
  }
  const who = io.env.USER ?? io.env.USERNAME ?? safeUser();
  const next = recordDecisions(
    file ?? { decisions: {}, skipped: [] },
    rules,
    final.decisions,
    final.skipped,
    who,
    new Date().toISOString(),
    choices,
  );
  await writeAtomic(o.decisionsPath, serializeDecisions(next));
  const chosen = [...choices.values()].filter((c): c is WidenChoice => c !== null && final.decisions[c.id] === "accepted");
  const widened = applyWidenings(policies, chosen);
  const pending = rules.filter((r) => final.decisions[r.id] === "pending" && !widened.absorbed.has(r.id)).length;
  return {
    policies: keepAccepted(widened.policies, (id) => final.decisions[id] === "accepted", new Set(final.skipped), byWorkload),
    quit: false,
    notes: [
      `decisions saved to ${o.decisionsPath}${pending ? `; ${pending} pending rule(s) left out` : ""}${chosen.length ? `; ${chosen.length} rule(s) widened` : ""}`,
    ],
  };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "unknown";
  }
}
