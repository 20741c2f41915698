// What gen and diff share: load the evidence, run the pipeline, gather what the run must say about
// its sources, and stop early for a single target that gets no policy.
import { workloadKey, workloadLabel } from "../../model/keys.ts";
import type { Warning } from "../../model/types.ts";
import type { GenerateOptions, GenerateResult, Scope } from "../../pipeline/generate.ts";
import { generate, resolveOptionsOf, ScopeError } from "../../pipeline/generate.ts";
import { PER_POD_CAP } from "../../sources/broker/fetch.ts";
import { CliError, EXIT } from "../errors.ts";
import type { Common } from "../flags/common.ts";
import type { Generation } from "../flags/generate.ts";
import type { Source } from "../flags/source.ts";
import type { Io } from "../io.ts";
import { addHostnames, hostnamesSkipped, type Loaded, loadDemo, loadSnapshotFile, malformedRecords, readHostnamesFlag } from "../load.ts";
import { loadCluster } from "../load-cluster.ts";
import { GENERATOR } from "../version.ts";

export interface GenerationInput extends Generation, Pick<Common, "verbose"> {
  source: Source;
  hostnames?: string | undefined;
  since?: number | undefined;
}

const NO_TRAFFIC_HINT =
  "Let the workload run 5-15 minutes under normal load, generate some traffic, and check that the kguardian broker has data for it.";

/** `keepRows`: keep every row (explain traces them), instead of folding each answer as it arrives. */
export async function load(o: GenerationInput, io: Io, how: { keepRows?: boolean } = {}): Promise<Loaded> {
  // Names first: a live run resolves each pod's rows as they arrive, and a bad file fails before any request.
  const hostnames = await readHostnamesFlag(o.hostnames, io.stdin);
  if (o.source.kind === "cluster" && how.keepRows)
    return loadCluster(o.source.flags, o.scopeFor, io, Date.now(), hostnames ? { hostnames } : {});
  if (o.source.kind === "cluster") {
    const now = Date.now();
    const resolve = resolveOptionsOf({ includeDropped: o.includeDropped, ...(o.since !== undefined ? { since: now - o.since } : {}) });
    return loadCluster(o.source.flags, o.scopeFor, io, now, { resolve, ...(hostnames ? { hostnames } : {}) });
  }
  if (o.source.kind === "hubble") return addHostnames(await (await import("../load-hubble.ts")).loadHubble(o.source, io), hostnames);
  const src = o.source.kind === "demo" ? await loadDemo() : await loadSnapshotFile(o.source.path, io);
  return addHostnames(src, hostnames);
}

/** What the flags and the loaded evidence ask of the pipeline; gen, diff and explain alike. */
export function generateOptions(o: GenerationInput, src: Loaded): GenerateOptions {
  const snap = src.snapshot;
  return {
    scope: o.scopeFor(o.namespace ?? src.defaultNamespace),
    type: o.type,
    clusterwide: o.clusterwide,
    allowDns: o.allowDns,
    minFlows: o.minFlows,
    policyTypes: o.policyTypes,
    defaultDeny: o.defaultDeny,
    includeDropped: o.includeDropped,
    includeUnobserved: o.includeUnobserved,
    // "Now" is when the data was read, so that --since means the same on every run of a snapshot.
    ...(o.since !== undefined ? { since: snap.createdAt - o.since } : {}),
    readAt: snap.createdAt,
    generator: GENERATOR,
  };
}

/** Runs `f`, turning a target that is not there into the CLI's error with its hint. */
export function inScope<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ScopeError)
      throw new CliError(e.message, EXIT.error, "List them with 'kubectl get deploy,sts,ds,pods -n <namespace> --show-labels'.");
    throw e;
  }
}

/** The pipeline on the loaded evidence, with the source's own warnings in front. */
export function generateFrom(o: GenerationInput, src: Loaded): { gen: GenerateResult; scope: Scope } {
  const opts = generateOptions(o, src);
  const scope = opts.scope;
  const snap = src.snapshot;
  const gen = inScope(() => generate(snap.inventory, snap.data, opts, src.folded));
  const warnings = gen.result.warnings;
  warnings.unshift(...src.warnings);
  const m = snap.malformed;
  const malformed = malformedRecords(src);
  if (malformed > 0)
    warnings.unshift({
      code: "malformed",
      message: `${malformed} malformed broker record(s) skipped (${m.traffic} traffic, ${m.pods} pod, ${m.services} service)`,
    });
  if (m.hostnames > 0) warnings.unshift({ code: "malformed-hostnames", message: hostnamesSkipped(m.hostnames) });
  for (const f of src.failures)
    warnings.push({ code: "fetch-failed", message: `traffic of pod ${f.pod.namespace}/${f.pod.name} not read: ${f.error.message}` });
  warnings.push(...truncationWarnings(gen, src.truncated));
  return { gen, scope };
}

/** Each workload with a pod whose answer reached the broker's cap: its policy is built on part of the evidence. */
function truncationWarnings(gen: GenerateResult, names: string[]): Warning[] {
  const cut = new Set(names);
  const out = new Map<string, Warning>();
  for (const p of gen.index.podsByName.values()) {
    if (!cut.has(p.name)) continue;
    const k = workloadKey(p.workload);
    if (out.has(k)) continue;
    out.set(k, {
      code: "truncated",
      workload: p.workload,
      message: `${workloadLabel(p.workload)}: evidence incomplete: the broker served only the newest ${PER_POD_CAP.toLocaleString("en")} rows of pod ${p.namespace}/${p.name}, so its oldest connections are missing from this policy (review it for traffic older than that)`,
    });
  }
  return [...out.values()].sort((a, b) => (a.message < b.message ? -1 : 1));
}

/** For one named target that got no policy: the exit code (a host-network note), or the error. */
export function singleTarget(scope: Scope, gen: GenerateResult, io: Io): number | null {
  const f = gen.result.failed[0];
  if (scope.kind !== "pod" || !f) return null;
  // Not a policy subject: nothing to generate, and nothing wrong.
  if (f.reason === "host-network") {
    io.stderr.write(`note: ${f.message}\n`);
    return EXIT.ok;
  }
  if (f.reason === "no-traffic")
    throw new CliError(`No traffic data found for pod ${scope.namespace}/${scope.name}`, EXIT.error, NO_TRAFFIC_HINT);
  throw new CliError(f.message);
}
