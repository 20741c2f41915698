// The run step of `diff`: what gen would produce (after the decisions file) against what is live.
import type { KubeTarget } from "../../cluster/kubeconfig.ts";
import type { RenderedObject } from "../../model/rendered.ts";
import { type GenerateResult, renderPolicies } from "../../pipeline/generate.ts";
import { diffPolicies } from "../../verify/diff.ts";
import type { AnyPolicy } from "../../verify/merge.ts";
import { CliError, EXIT } from "../errors.ts";
import { colorEnabled, type Io } from "../io.ts";
import type { Loaded } from "../load.ts";
import { GENERATOR } from "../version.ts";
import type { DiffOptions } from "./diff.ts";
import { decide } from "./gen-decide.ts";
import { generateFrom, load, singleTarget } from "./generation.ts";

const colour = (on: boolean, patch: string) =>
  on
    ? patch
        .split("\n")
        .map((l) =>
          l.startsWith("+") && !l.startsWith("+++")
            ? `\x1b[32m${l}\x1b[0m`
            : l.startsWith("-") && !l.startsWith("---")
              ? `\x1b[31m${l}\x1b[0m`
              : l,
        )
        .join("\n")
    : patch;

export async function execute(o: DiffOptions, io: Io): Promise<number> {
  const src = (await load(o, io)) as Loaded & { kube?: KubeTarget };
  try {
    if (!src.kube)
      throw new CliError(
        "diff compares with the cluster's live policies, and no cluster answered",
        EXIT.error,
        "Check the kubeconfig context (kubectl cluster-info); 'gen --from-hubble' works without one.",
      );
    const { gen, scope } = generateFrom(o, src);
    const early = singleTarget(scope, gen, io);
    if (early !== null) return early;
    const decided = await decide({ ...o, review: false, reviewForced: false, apply: false }, gen, io, src.snapshot.context ?? "", false);
    const objects = renderPolicies(decided.policies, gen.result.defaultDeny, {
      generator: GENERATOR,
      type: o.type,
      clusterwide: o.clusterwide,
    });
    for (const w of gen.result.warnings) if (w.code !== "would-break") io.stderr.write(`warning: ${w.message}\n`);
    return await compare(o, src.kube, gen, objects, io, colorEnabled(io, o.color));
  } finally {
    await src.close();
  }
}

async function compare(
  o: DiffOptions,
  kube: KubeTarget,
  gen: GenerateResult,
  objects: RenderedObject[],
  io: Io,
  color: boolean,
): Promise<number> {
  const inventory = gen.inventory;
  const { listLivePolicies } = await import("../../cluster/policies.ts");
  const live = await listLivePolicies(kube.kc);
  const d = diffPolicies(
    gen.index,
    inventory,
    gen.connections,
    live.policies as AnyPolicy[],
    objects.map((x) => x.object as AnyPolicy),
  );
  const out: string[] = [];
  for (const c of d.create) out.push(`+ create ${c}`);
  for (const c of d.change) out.push(`~ change ${c.name}`);
  for (const c of d.change) out.push(colour(color && io.stdout.isTTY === true, c.patch.trimEnd()));
  for (const f of d.newlyAllowed) out.push(`newly allowed: ${f}`);
  for (const f of d.newlyDenied) out.push(`newly denied: ${f}`);
  for (const r of d.unusedLive) out.push(`unused live rule: ${r}`);
  if (out.length) io.stdout.write(`${out.join("\n")}\n`);
  for (const m of live.missing) io.stderr.write(`note: could not list live ${m}\n`);
  const pending = d.create.length + d.change.length;
  io.stderr.write(
    `${pending ? `${d.create.length} to create, ${d.change.length} to change` : "no changes"}, ${d.unchanged} unchanged; ${d.newlyAllowed.length} flow(s) newly allowed, ${d.newlyDenied.length} newly denied; ${d.unusedLive.length} live rule(s) unused in the window\n`,
  );
  if (o.report) {
    const { writeReport } = await import("../../output/report.ts");
    await writeReport(o.report, {
      command: "diff",
      generator: GENERATOR,
      summary: {
        create: d.create.length,
        change: d.change.length,
        unchanged: d.unchanged,
        "newly allowed": d.newlyAllowed.length,
        "newly denied": d.newlyDenied.length,
      },
      diff: {
        create: d.create,
        change: d.change.map((c) => c.name),
        newlyAllowed: d.newlyAllowed,
        newlyDenied: d.newlyDenied,
        unusedLive: d.unusedLive,
        patches: d.change.map((c) => c.patch),
      },
      policies: [],
      wouldBreak: d.newlyDenied,
      warnings: live.missing.map((m) => `could not list live ${m}`),
    });
  }
  if (d.newlyDenied.length) return EXIT.wouldBreak;
  return o.exitCode && pending ? EXIT.changes : EXIT.ok;
}
