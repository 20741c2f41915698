// A snapshot streamed to its file: answers in any order give the same bytes, the document parses as a
// snapshot, and a run that fails leaves no file (nor a temp file) behind.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openAtomic } from "../../src/output/files.ts";
import { type Sink, SnapshotStream } from "../../src/output/snapshot-stream.ts";
import { parseSnapshot, SNAPSHOT_API_VERSION, SNAPSHOT_KIND } from "../../src/sources/snapshot/snapshot.ts";
import { Cluster, tcp } from "../support/builders.ts";

function memorySink(): Sink & { text: () => string } {
  let out = "";
  const write = (t: string) => {
    out += t;
  };
  return { write, commit: async () => {}, abort: async () => {}, text: () => out };
}

/** A small world's snapshot parts: answers per pod (some empty, as a failed read gives), pods, Services. */
function parts() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api" }, { ports: [tcp(9000)] });
  c.connect(web!, api!, 9000, { times: 3 });
  const snap = c.snapshot() as {
    broker: { traffic: { pod_name: string }[]; pods: unknown[]; services: unknown[] };
    inventory: unknown;
    metadata: unknown;
  };
  const byPod = new Map<string, unknown[]>();
  for (const t of snap.broker.traffic) byPod.set(t.pod_name, [...(byPod.get(t.pod_name) ?? []), t]);
  const answers = [[], ...[...byPod.keys()].sort().map((k) => byPod.get(k) as unknown[]), []];
  return { snap, answers };
}

async function write(order: number[]): Promise<string> {
  const { snap, answers } = parts();
  const sink = memorySink();
  const s = new SnapshotStream(sink, { apiVersion: SNAPSHOT_API_VERSION, kind: SNAPSHOT_KIND });
  for (const i of order) s.answer(i, answers[i] as unknown[]);
  const n = await s.finish({
    pods: snap.broker.pods,
    services: snap.broker.services,
    rest: { metadata: snap.metadata, inventory: snap.inventory },
  });
  expect(n).toBe(snap.broker.traffic.length);
  return sink.text();
}

describe("snapshot streaming", () => {
  it("answers in any order give the same bytes, which parse as the snapshot they came from", async () => {
    const inOrder = await write([0, 1, 2, 3]);
    expect(await write([3, 1, 0, 2])).toBe(inOrder);
    expect(await write([2, 3, 1, 0])).toBe(inOrder);
    const { snap, answers } = parts();
    const parsed = parseSnapshot(JSON.parse(inOrder), "streamed");
    expect(parsed.data.rows).toHaveLength(snap.broker.traffic.length);
    // Request order: answer by answer, each as the broker served it.
    expect(JSON.parse(inOrder).broker.traffic).toEqual(answers.flat());
  });

  it("with no traffic at all, the document is still a snapshot", async () => {
    const sink = memorySink();
    const s = new SnapshotStream(sink, { apiVersion: SNAPSHOT_API_VERSION, kind: SNAPSHOT_KIND });
    s.answer(0, []);
    await s.finish({
      pods: [],
      services: [],
      rest: { metadata: { createdAt: new Date(0).toISOString(), context: "" }, inventory: parts().snap.inventory },
    });
    expect(parseSnapshot(JSON.parse(sink.text()), "empty").data.rows).toEqual([]);
  });

  it("the file appears only when complete; an aborted one leaves nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-snapstream-"));
    const file = path.join(dir, "snap.json");
    const f = await openAtomic(file);
    f.write('{"partial": ');
    expect(existsSync(file)).toBe(false);
    await f.abort();
    expect(readdirSync(dir)).toEqual([]);
    const g = await openAtomic(file);
    g.write("{}\n");
    await g.commit();
    expect(readFileSync(file, "utf8")).toBe("{}\n");
    expect(readdirSync(dir)).toEqual(["snap.json"]);
  });
});
