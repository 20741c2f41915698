// The run step of `snapshot -o FILE`: record the broker data and the inventory of a run, for
// `gen --from-snapshot`.
import { writeAtomic } from "../../output/files.ts";
import { SNAPSHOT_API_VERSION, SNAPSHOT_KIND, sanitiseWire } from "../../sources/snapshot/snapshot.ts";
import type { Io } from "../io.ts";
import { addHostnames, hostnamesSkipped, readHostnamesFlag } from "../load.ts";
import { loadCluster } from "../load-cluster.ts";
import type { SnapshotOptions } from "./snapshot.ts";

export async function execute(f: SnapshotOptions, io: Io): Promise<number> {
  const names = await readHostnamesFlag(f.hostnames, io.stdin);
  const now = Date.now();
  const src = await loadCluster(
    { ...f.cluster, keepWire: true },
    (ns) => (f.namespace ? { kind: "namespace", namespace: ns } : { kind: "all" }),
    io,
    now,
  );
  try {
    addHostnames(src, names);
    const hostnames = src.snapshot.data.hostnames ?? [];
    const doc = {
      apiVersion: SNAPSHOT_API_VERSION,
      kind: SNAPSHOT_KIND,
      metadata: { createdAt: new Date(now).toISOString(), context: src.snapshot.context ?? "" },
      broker: sanitiseWire(src.wire ?? { pods: [], services: [], traffic: [] }),
      inventory: src.snapshot.inventory,
      ...(hostnames.length > 0 ? { hostnames } : {}),
    };
    const text = `${JSON.stringify(doc, null, 1)}\n`;
    if (f.output === "-") await new Promise<void>((done) => io.stdout.write(text, () => done()));
    else await writeAtomic(f.output, text);
    for (const w of src.warnings) io.stderr.write(`warning: ${w.message}\n`);
    if (src.snapshot.malformed.hostnames > 0) io.stderr.write(`warning: ${hostnamesSkipped(src.snapshot.malformed.hostnames)}\n`);
    for (const x of src.failures)
      io.stderr.write(`warning: traffic of pod ${x.pod.namespace}/${x.pod.name} not read: ${x.error.message}\n`);
    io.stderr.write(
      `wrote ${f.output === "-" ? "the snapshot to stdout" : f.output}: ${doc.broker.traffic.length} traffic rows, ${doc.broker.pods.length} broker pod records, ${src.snapshot.inventory.pods.length} live pods${hostnames.length ? `, names for ${hostnames.length} addresses` : ""}\n`,
    );
    return src.failures.length > 0 ? 1 : 0;
  } finally {
    await src.close();
  }
}
