// The run step of `gen`: source → pipeline → review or decisions → output → apply. Wiring only; each
// stage lives in its own room.
import { describePeer, isoSeconds, portText, workloadKey } from "../../model/keys.ts";
import type { RenderedObject } from "../../model/rendered.ts";
import type { Warning, WorkloadPolicy } from "../../model/types.ts";
import { OutputDirError, prepareDir, type WriteReport, writeFiles } from "../../output/files.ts";
import type { Report } from "../../output/report.ts";
import { ansi, type Paint, plain, summaryLines } from "../../output/summary.ts";
import { toYaml, toYamlStream } from "../../output/yaml.ts";
import { type GenerateResult, renderPolicies, wouldBreak } from "../../pipeline/generate.ts";
import type { WouldBreak } from "../../verify/replay.ts";
import { CliError, EXIT } from "../errors.ts";
import { colorEnabled, type Io } from "../io.ts";
import { kubeTarget, type Loaded, malformedRecords } from "../load.ts";
import { progressFor } from "../progress.ts";
import { GENERATOR } from "../version.ts";
import type { GenOptions } from "./gen.ts";
import type { Decided } from "./gen-decide.ts";
import { generateFrom, load, singleTarget } from "./generation.ts";

function kindNames(o: GenOptions): { one: string; many: string } {
  if (o.type === "kubernetes") return { one: "NetworkPolicy", many: "NetworkPolicies" };
  return o.clusterwide
    ? { one: "CiliumClusterwideNetworkPolicy", many: "CiliumClusterwideNetworkPolicies" }
    : { one: "CiliumNetworkPolicy", many: "CiliumNetworkPolicies" };
}

function genReport(
  o: GenOptions,
  policies: WorkloadPolicy[],
  objects: RenderedObject[],
  gen: GenerateResult,
  broken: WouldBreak[],
  stats: { rows: number; workloads: number; rules: number },
  notes: string[],
): Report {
  const byWorkload = new Map(objects.flatMap((x) => (x.workload ? [[workloadKey(x.workload), x] as const] : [])));
  return {
    command: "gen",
    generator: GENERATOR,
    summary: {
      policies: objects.length,
      rules: stats.rules,
      workloads: stats.workloads,
      "traffic rows": stats.rows,
      "would be denied": broken.length,
    },
    policies: policies.map((p) => {
      const meta: { name?: string } = byWorkload.get(workloadKey(p.workload))?.object.metadata ?? {};
      return {
        kind: kindNames(o).one,
        namespace: p.workload.namespace,
        name: meta.name ?? "",
        workload: `${p.workload.kind}/${p.workload.name}`,
        rules: [...p.egress, ...p.ingress].map((r) => ({
          id: r.id,
          direction: r.direction,
          peer: describePeer(r.peer),
          ports: r.ports.map(portText).join(", "),
          connections: r.evidence.flows,
          ...(r.synthetic ? {} : { firstSeen: isoSeconds(r.evidence.firstSeen), newestFirstSeen: isoSeconds(r.evidence.lastSeen) }),
          decision: "accepted",
          ...(r.widened ? { widened: { to: r.widened.label, beyond: r.widened.beyond } } : {}),
        })),
      };
    }),
    wouldBreak: broken.map((w) => w.message),
    skipped: gen.result.failed.map((f) => ({
      workload: `${f.workload.kind}/${f.workload.namespace}/${f.workload.name}`,
      reason: f.reason,
      evidence: f.evidence,
      message: f.message,
    })),
    warnings: [...gen.result.warnings.map((w) => w.message), ...notes],
  };
}

async function prepareOutputDir(o: GenOptions): Promise<void> {
  if (o.outputDir === "") return;
  try {
    await prepareDir(o.outputDir);
  } catch (e) {
    if (e instanceof OutputDirError) throw new CliError(e.message);
    throw e;
  }
}

const asWarnings = (broken: WouldBreak[]): Warning[] =>
  broken.map((w) => ({ code: "would-break", message: w.message, ...(w.workload ? { workload: w.workload } : {}) }));

/** The would-break warnings are those of what is written: the review saw the full set's. */
function replaceWouldBreak(warnings: Warning[], broken: WouldBreak[]): void {
  const kept = warnings.filter((w) => w.code !== "would-break");
  warnings.length = 0;
  warnings.push(...kept, ...asWarnings(broken));
}

async function emit(o: GenOptions, objects: RenderedObject[], io: Io): Promise<WriteReport | undefined> {
  if (o.outputDir !== "")
    return writeFiles(
      o.outputDir,
      objects.map((r) => ({ name: r.fileName, content: toYaml(r) })),
      o.force,
    );
  io.stdout.write(
    o.format === "json"
      ? `${JSON.stringify({ apiVersion: "v1", kind: "List", items: objects.map((x) => x.object) }, null, 2)}\n`
      : toYamlStream(objects),
  );
  return undefined;
}

/** Why the evidence is incomplete, or null: pods not read, answers cut at the broker's cap, records skipped. */
export function incompleteEvidence(src: Loaded): string | null {
  const malformed = malformedRecords(src);
  const parts = [
    src.failures.length ? `${src.failures.length} pod(s) not read` : "",
    src.truncated.length ? `${src.truncated.length} pod(s) cut at the broker's per-pod cap` : "",
    malformed ? `${malformed} malformed broker record(s) skipped` : "",
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : null;
}

async function applyObjects(o: GenOptions, src: Loaded, objects: RenderedObject[], io: Io, paint: Paint): Promise<number> {
  const incomplete = incompleteEvidence(src);
  if (incomplete && !o.force)
    throw new CliError(
      `nothing was ${o.apply ? "applied" : "sent to the API server"}: the evidence is incomplete (${incomplete}), so these policies may deny traffic that was not read`,
      EXIT.error,
      "Fix the cause (see the warnings above) and run again, or pass --force to go ahead anyway.",
    );
  const { runApply } = await import("./gen-apply.ts");
  const target = src.kube ?? (await kubeTarget(o.kube, io));
  const recorded = src.snapshot.context;
  if (o.apply && recorded && o.source.kind === "snapshot" && recorded !== target.context)
    io.stderr.write(paint.warn(`warning: the snapshot was recorded through context "${recorded}"; applying through "${target.context}"\n`));
  return runApply(
    {
      objects: objects.map((x) => x.object as never),
      apply: o.apply,
      force: o.force,
      forceConflicts: o.forceConflicts,
      dir: o.outputDir || io.cwd,
      // The target the traffic was read through, or (for the demo and snapshots) the kubeconfig's.
      target,
      context: o.kube.context,
      now: new Date(),
    },
    io,
  );
}

/** Writes, then the summary; the exit code so far (refused writes are errors). */
async function writeAndSummarise(
  o: GenOptions,
  src: Loaded,
  gen: GenerateResult,
  decided: Decided,
  objects: RenderedObject[],
  io: Io,
  paint: Paint,
): Promise<{ code: number | null; stats: { rows: number; workloads: number; rules: number } }> {
  const write = await emit(o, objects, io);
  progressFor(io).clear();
  const rules = decided.policies.reduce((n, p) => n + p.ingress.length + p.egress.length, 0);
  const written = { ...gen.result, stats: { ...gen.result.stats, workloads: decided.policies.length, rules } };
  for (const line of summaryLines(written, objects.length, kindNames(o), paint, write, o.verbose)) io.stderr.write(`${line}\n`);
  for (const n of decided.notes) io.stderr.write(`${n}\n`);
  if (src.failures.length > 0)
    io.stderr.write(paint.warn(`${src.failures.length} pod(s) could not be read from the broker; see the warnings above\n`));
  return { code: write?.refused.length ? EXIT.error : null, stats: written.stats };
}

export async function execute(o: GenOptions, io: Io): Promise<number> {
  const paint = colorEnabled(io, o.color) ? ansi : plain;
  await prepareOutputDir(o);
  const src = await load(o, io);
  const progress = progressFor(io);
  try {
    progress.phase("generate");
    const { gen, scope } = generateFrom(o, src);
    gen.result.warnings.push(...asWarnings(gen.wouldBreak));
    const early = singleTarget(scope, gen, io);
    if (early !== null) return early;
    // Review on a terminal, or the decisions file: only accepted rules go out.
    const { decide } = await import("./gen-decide.ts");
    progress.clear();
    const decided = await decide(o, gen, io, src.snapshot.context ?? "demo", paint === ansi);
    if (decided.quit) {
      for (const n of decided.notes) io.stderr.write(`${n}\n`);
      return decided.interrupted ? EXIT.interrupted : EXIT.ok;
    }
    // Decisions only remove: with every rule kept, what generate rendered, validated and replayed stands.
    // Path rules count too: a rejected one leaves its L4 rule in place.
    const rules = (p: WorkloadPolicy) =>
      [...p.ingress, ...p.egress].reduce((n, r) => n + 1 + (r.http?.rules.length ?? 0) + r.ports.length, 0);
    const count = (ps: WorkloadPolicy[]) => ps.reduce((n, p) => n + 1 + rules(p), 0);
    const widened = decided.policies.some((p) => [...p.ingress, ...p.egress].some((r) => r.widened));
    const unchanged = !widened && count(decided.policies) === count(gen.result.policies);
    progress.phase("validate");
    const objects = unchanged
      ? gen.objects
      : renderPolicies(decided.policies, gen.result.defaultDeny, { generator: GENERATOR, type: o.type, clusterwide: o.clusterwide });
    const broken = unchanged
      ? gen.wouldBreak
      : wouldBreak(gen, decided.policies, { generator: GENERATOR }, o.type === "kubernetes" ? objects : undefined);
    replaceWouldBreak(gen.result.warnings, broken);
    progress.phase("write");
    const { code, stats } = await writeAndSummarise(o, src, gen, decided, objects, io, paint);
    if (code !== null) return code;
    if ((o.apply || o.dryRun === "server") && objects.length > 0) {
      const applied = await applyObjects(o, src, objects, io, paint);
      if (applied !== EXIT.ok) return applied;
    }
    if (o.report) {
      const { writeReport } = await import("../../output/report.ts");
      await writeReport(o.report, genReport(o, decided.policies, objects, gen, broken, stats, decided.notes));
    }
    // Observed traffic that found no policy, or pods not read, is an error; a skipped workload
    // (no traffic, host network) only with --strict.
    const failed = gen.result.failed;
    if (failed.some((f) => f.evidence) || src.failures.length > 0 || (o.strict && failed.length > 0)) return EXIT.error;
    return broken.length > 0 ? EXIT.wouldBreak : EXIT.ok;
  } finally {
    progress.clear();
    await src.close();
  }
}
