// The run step of `gen`: source → pipeline → output. Wiring only; each stage lives in its own room.
import { readFile } from "node:fs/promises";
import { type LoadedSnapshot, parseSnapshot, SnapshotError } from "../broker/snapshot.ts";
import { OutputDirError, prepareDir, writeFiles } from "../output/files.ts";
import { ansi, plain, summaryLines } from "../output/summary.ts";
import { toYaml, toYamlStream } from "../output/yaml.ts";
import { generate, ScopeError } from "../policy/pipeline.ts";
import { CliError, EXIT } from "./errors.ts";
import type { GenOptions } from "./gen.ts";
import { colorEnabled, type Io } from "./io.ts";
import { GENERATOR } from "./version.ts";

async function loadSource(o: GenOptions): Promise<LoadedSnapshot> {
  if (o.source.kind === "demo") {
    const { default: demo } = await import("../demo/demo-snapshot.json", { with: { type: "json" } });
    return parseSnapshot(demo, "the bundled demo snapshot");
  }
  if (o.source.kind === "snapshot") {
    const file = o.source.path;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new CliError(
        `cannot read snapshot ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
        EXIT.error,
        "Check the path given to --from-snapshot.",
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new CliError(
        `snapshot ${file} is not valid JSON: ${(e as Error).message}`,
        EXIT.error,
        "Record a new one with 'kubectl guardian snapshot -o FILE'.",
      );
    }
    return parseSnapshot(doc, `snapshot ${file}`);
  }
  throw new CliError("no traffic source", EXIT.error);
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
  let snap: LoadedSnapshot;
  try {
    snap = await loadSource(o);
  } catch (e) {
    if (e instanceof SnapshotError) throw new CliError(e.message, EXIT.error, "Record a new one with 'kubectl guardian snapshot -o FILE'.");
    throw e;
  }
  let gen: ReturnType<typeof generate>;
  try {
    gen = generate(snap.inventory, snap.data, {
      scope: o.scope,
      type: o.type,
      allowDns: o.allowDns,
      minFlows: o.minFlows,
      policyTypes: o.policyTypes,
      defaultDeny: o.defaultDeny,
      includeDropped: o.includeDropped,
      // A snapshot's "now" is when it was taken, so that --since means the same on every run.
      ...(o.since !== undefined ? { since: snap.createdAt - o.since } : {}),
      generator: GENERATOR,
    });
  } catch (e) {
    if (e instanceof ScopeError) throw new CliError(e.message, EXIT.error, "List the pods with 'kubectl get pods -n <namespace>'.");
    throw e;
  }
  const { result, objects } = gen;
  const malformed = snap.malformed.traffic + snap.malformed.pods + snap.malformed.services;
  if (malformed > 0) {
    result.warnings.unshift({
      code: "malformed",
      message: `${malformed} malformed broker record(s) skipped (${snap.malformed.traffic} traffic, ${snap.malformed.pods} pod, ${snap.malformed.services} service)`,
    });
  }

  if (o.scope.kind === "pod" && result.failed[0]) {
    const f = result.failed[0];
    if (f.reason === "no-traffic") {
      throw new CliError(
        `No traffic data found for pod ${o.scope.namespace}/${o.scope.name}`,
        EXIT.error,
        "Let the workload run 5-15 minutes under normal load, generate some traffic, and check that the kguardian broker has data for it.",
      );
    }
    throw new CliError(f.message);
  }

  let write: Awaited<ReturnType<typeof writeFiles>> | undefined;
  if (o.outputDir === "") {
    io.stdout.write(toYamlStream(objects));
  } else {
    write = await writeFiles(
      o.outputDir,
      objects.map((r) => ({ name: r.fileName, content: toYaml(r) })),
      o.force,
    );
  }
  for (const line of summaryLines(result, objects.length, { one: "NetworkPolicy", many: "NetworkPolicies" }, paint, write))
    io.stderr.write(`${line}\n`);
  if (write?.refused.length) return EXIT.error;
  return result.failed.length > 0 ? EXIT.error : EXIT.ok;
}
