// The run step of `gen`: source → pipeline → output. Wiring only; each stage lives in its own room.

import { describePeer, isoSeconds, workloadKey } from "../../model/keys.ts";
import type { RenderedObject } from "../../model/rendered.ts";
import type { WorkloadPolicy } from "../../model/types.ts";
import { OutputDirError, prepareDir, writeFiles } from "../../output/files.ts";
import type { Report } from "../../output/report.ts";
import { ansi, plain, summaryLines } from "../../output/summary.ts";
import { toYaml, toYamlStream } from "../../output/yaml.ts";
import { type GenerateResult, generate, renderPolicies, ScopeError } from "../../pipeline/generate.ts";
import { CliError, EXIT } from "../errors.ts";
import { hostnamesSkipped, kubeTarget, type Loaded, loadCluster, loadDemo, loadSnapshotFile, withHostnames } from "../flags/source.ts";
import { colorEnabled, type Io } from "../io.ts";
import { GENERATOR } from "../version.ts";
import type { GenOptions } from "./gen.ts";

const NO_TRAFFIC_HINT =
  "Let the workload run 5-15 minutes under normal load, generate some traffic, and check that the kguardian broker has data for it.";

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
      "would be denied": gen.wouldBreak.length,
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
          ports: r.ports.map((x) => `${x.port}/${x.protocol}`).join(", "),
          flows: r.evidence.flows,
          ...(r.synthetic ? {} : { firstSeen: isoSeconds(r.evidence.firstSeen), lastSeen: isoSeconds(r.evidence.lastSeen) }),
          decision: "accepted",
        })),
      };
    }),
    wouldBreak: gen.wouldBreak.map((w) => w.message),
    skipped: gen.result.failed.map((f) => ({
      workload: `${f.workload.kind}/${f.workload.namespace}/${f.workload.name}`,
      reason: f.reason,
      evidence: f.evidence,
      message: f.message,
    })),
    warnings: [...gen.result.warnings.map((w) => w.message), ...notes],
  };
}

async function load(o: GenOptions, io: Io): Promise<Loaded> {
  const src =
    o.source.kind === "demo"
      ? await loadDemo()
      : o.source.kind === "snapshot"
        ? await loadSnapshotFile(o.source.path, io)
        : await loadCluster(o.source.flags, o.scopeFor, io, Date.now());
  try {
    return await withHostnames(src, o.hostnames, io.stdin);
  } catch (e) {
    await src.close();
    throw e;
  }
}

export async function execute(o: GenOptions, io: Io): Promise<number> {
  const paint = colorEnabled(io, o.color) ? ansi : plain;
  if (o.outputDir !== "") {
    try {
      await prepareDir(o.outputDir);
    } catch (e) {
      if (e instanceof OutputDirError) throw new CliError(e.message);
      throw e;
    }
  }
  const src = await load(o, io);
  try {
    const scope = o.scopeFor(o.namespace ?? src.defaultNamespace);
    const snap = src.snapshot;
    let gen: ReturnType<typeof generate>;
    try {
      gen = generate(snap.inventory, snap.data, {
        scope,
        type: o.type,
        clusterwide: o.clusterwide,
        allowDns: o.allowDns,
        minFlows: o.minFlows,
        policyTypes: o.policyTypes,
        defaultDeny: o.defaultDeny,
        includeDropped: o.includeDropped,
        // "Now" is when the data was read, so that --since means the same on every run of a snapshot.
        ...(o.since !== undefined ? { since: snap.createdAt - o.since } : {}),
        readAt: snap.createdAt,
        generator: GENERATOR,
      });
    } catch (e) {
      if (e instanceof ScopeError) throw new CliError(e.message, EXIT.error, "List the pods with 'kubectl get pods -n <namespace>'.");
      throw e;
    }
    const { result } = gen;
    result.warnings.unshift(...src.warnings);
    const m = snap.malformed;
    const malformed = m.traffic + m.pods + m.services;
    if (malformed > 0) {
      result.warnings.unshift({
        code: "malformed",
        message: `${malformed} malformed broker record(s) skipped (${m.traffic} traffic, ${m.pods} pod, ${m.services} service)`,
      });
    }
    if (m.hostnames > 0) {
      result.warnings.unshift({
        code: "malformed-hostnames",
        message: hostnamesSkipped(m.hostnames),
      });
    }
    for (const w of gen.wouldBreak)
      result.warnings.push({ code: "would-break", message: w.message, ...(w.workload ? { workload: w.workload } : {}) });
    for (const f of src.failures)
      result.warnings.push({
        code: "fetch-failed",
        message: `traffic of pod ${f.pod.namespace}/${f.pod.name} not read: ${f.error.message}`,
      });

    if (scope.kind === "pod" && result.failed[0]) {
      const f = result.failed[0];
      // Not a policy subject: nothing to generate, and nothing wrong.
      if (f.reason === "host-network") {
        io.stderr.write(`note: ${f.message}\n`);
        return EXIT.ok;
      }
      if (f.reason === "no-traffic")
        throw new CliError(`No traffic data found for pod ${scope.namespace}/${scope.name}`, EXIT.error, NO_TRAFFIC_HINT);
      throw new CliError(f.message);
    }

    // Review on a terminal, or the decisions file: only accepted rules go out.
    const { decide } = await import("./gen-decide.ts");
    const decided = await decide(o, gen, io, snap.context ?? "demo", paint === ansi);
    if (decided.quit) {
      for (const n of decided.notes) io.stderr.write(`${n}\n`);
      return decided.interrupted ? EXIT.interrupted : EXIT.ok;
    }
    const objects = renderPolicies(decided.policies, result.defaultDeny, {
      generator: GENERATOR,
      type: o.type,
      clusterwide: o.clusterwide,
    });

    if (o.diff) {
      const { runDiff } = await import("./diff.ts");
      return runDiff(o, src.kube, gen, objects, snap.inventory, io, paint === ansi);
    }

    let write: Awaited<ReturnType<typeof writeFiles>> | undefined;
    if (o.outputDir === "") {
      io.stdout.write(
        o.format === "json"
          ? `${JSON.stringify({ apiVersion: "v1", kind: "List", items: objects.map((x) => x.object) }, null, 2)}\n`
          : toYamlStream(objects),
      );
    } else {
      write = await writeFiles(
        o.outputDir,
        objects.map((r) => ({ name: r.fileName, content: toYaml(r) })),
        o.force,
      );
    }
    const written = {
      ...result,
      stats: {
        ...result.stats,
        workloads: decided.policies.length,
        rules: decided.policies.reduce((n, p) => n + p.ingress.length + p.egress.length, 0),
      },
    };
    for (const line of summaryLines(written, objects.length, kindNames(o), paint, write, o.verbose)) io.stderr.write(`${line}\n`);
    for (const n of decided.notes) io.stderr.write(`${n}\n`);
    if (src.failures.length > 0)
      io.stderr.write(paint.warn(`${src.failures.length} pod(s) could not be read from the broker; see the warnings above\n`));
    if (write?.refused.length) return EXIT.error;
    // Observed traffic that found no policy, or pods not read, is an error; a skipped workload
    // (no traffic, host network) only with --strict.
    const incomplete = result.failed.some((f) => f.evidence) || src.failures.length > 0 || (o.strict && result.failed.length > 0);
    if ((o.apply || o.dryRun === "server") && objects.length > 0) {
      const { runApply } = await import("./gen-apply.ts");
      const target = src.kube ?? (await kubeTarget(o.kube, io));
      if (o.apply && snap.context && o.source.kind === "snapshot" && snap.context !== target.context)
        io.stderr.write(
          paint.warn(`warning: the snapshot was recorded through context "${snap.context}"; applying through "${target.context}"\n`),
        );
      const code = await runApply(
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
      if (code !== EXIT.ok) return code;
    }
    if (o.report) {
      const { writeReport } = await import("../../output/report.ts");
      await writeReport(o.report, genReport(o, decided.policies, objects, gen, written.stats, decided.notes));
    }
    if (incomplete) return EXIT.error;
    return gen.wouldBreak.length > 0 ? EXIT.wouldBreak : EXIT.ok;
  } finally {
    await src.close();
  }
}
