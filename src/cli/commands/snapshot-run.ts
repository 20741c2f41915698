// The run step of `snapshot -o FILE`: record the broker data and the inventory of a run, for
// `gen --from-snapshot`. Each pod's answer goes to the file as it arrives (in request order), so a
// snapshot of a million rows never holds them all; the file appears only once it is complete.
import { openAtomic } from "../../output/files.ts";
import { type Sink, SnapshotStream } from "../../output/snapshot-stream.ts";
import { SNAPSHOT_API_VERSION, SNAPSHOT_KIND, sanitiseWire } from "../../sources/snapshot/snapshot.ts";
import { CliError } from "../errors.ts";
import type { Io } from "../io.ts";
import { addHostnames, hostnamesSkipped, readHostnamesFlag } from "../load.ts";
import { loadCluster } from "../load-cluster.ts";
import type { SnapshotOptions } from "./snapshot.ts";

async function sinkFor(output: string, io: Io): Promise<Sink> {
  if (output === "-")
    return {
      write: (t) => void io.stdout.write(t),
      commit: () => new Promise<void>((done) => io.stdout.write("", () => done())),
      abort: async () => {},
    };
  try {
    return await openAtomic(output);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new CliError(`cannot write ${output} (${code})`, undefined, "Choose another file with -o, or -o - for stdout.");
  }
}

export async function execute(f: SnapshotOptions, io: Io): Promise<number> {
  const names = await readHostnamesFlag(f.hostnames, io.stdin);
  const now = Date.now();
  // Before any request: a file that cannot be written fails the run at once.
  const stream = new SnapshotStream(await sinkFor(f.output, io), { apiVersion: SNAPSHOT_API_VERSION, kind: SNAPSHOT_KIND });
  let src: Awaited<ReturnType<typeof loadCluster>>;
  try {
    src = await loadCluster(
      { ...f.cluster, keepWire: true },
      (ns) => (f.namespace ? { kind: "namespace", namespace: ns } : { kind: "all" }),
      io,
      now,
      { onWire: (i, wire) => stream.answer(i, wire) },
    );
  } catch (e) {
    await stream.abort();
    throw e;
  }
  try {
    addHostnames(src, names);
    const hostnames = src.snapshot.data.hostnames ?? [];
    const wire = sanitiseWire(src.wire ?? { pods: [], services: [], traffic: [] });
    const rows = await stream.finish({
      pods: wire.pods,
      services: wire.services,
      rest: {
        metadata: { createdAt: new Date(now).toISOString(), context: src.snapshot.context ?? "" },
        inventory: src.snapshot.inventory,
        ...(hostnames.length > 0 ? { hostnames } : {}),
      },
    });
    for (const w of src.warnings) io.stderr.write(`warning: ${w.message}\n`);
    if (src.snapshot.malformed.hostnames > 0) io.stderr.write(`warning: ${hostnamesSkipped(src.snapshot.malformed.hostnames)}\n`);
    for (const x of src.failures)
      io.stderr.write(`warning: traffic of pod ${x.pod.namespace}/${x.pod.name} not read: ${x.error.message}\n`);
    io.stderr.write(
      `wrote ${f.output === "-" ? "the snapshot to stdout" : f.output}: ${rows} traffic rows, ${wire.pods.length} broker pod records, ${src.snapshot.inventory.pods.length} live pods${hostnames.length ? `, names for ${hostnames.length} addresses` : ""}\n`,
    );
    return src.failures.length > 0 ? 1 : 0;
  } catch (e) {
    await stream.abort();
    throw e;
  } finally {
    await src.close();
  }
}
