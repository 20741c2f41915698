// Ctrl-C while the binary loads and generates, and while it writes files: exit 130, no temp file, and
// every file either absent or whole.
import { spawn } from "node:child_process";
import { existsSync, watch } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { synthesise } from "../../bench/synth.ts";
import { provenance } from "../../src/output/files.ts";
import { requireBinary } from "../support/binary.ts";

let bin: string;
let snapshot: string;
beforeAll(async () => {
  bin = requireBinary();
  const s = synthesise({ name: "many", namespaces: 10, workloads: 1000, pods: 1000, rows: 20_000 });
  const dir = await mkdtemp(path.join(tmpdir(), "guardian-int-"));
  snapshot = path.join(dir, "snap.json");
  await writeFile(
    snapshot,
    JSON.stringify({
      apiVersion: "guardian.kubectl.io/v1alpha1",
      kind: "TrafficSnapshot",
      metadata: { createdAt: "2026-05-12T11:00:00Z" },
      broker: s.wire(),
      inventory: s.inventory,
    }),
  );
});

function run(out: string) {
  const child = spawn(bin, ["gen", "netpol", "-A", "--from-snapshot", snapshot, "--output-dir", out, "--yes"], {
    stdio: "ignore",
    env: {},
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, exited };
}

async function checkOutput(out: string): Promise<number> {
  const files = existsSync(out) ? await readdir(out) : [];
  expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
  for (const f of files) expect(provenance(await readFile(path.join(out, f), "utf8")), f).toBe("ours");
  return files.length;
}

describe("Ctrl-C", () => {
  it("while loading and generating: exit 130 before anything is written", async () => {
    const parent = await mkdtemp(path.join(tmpdir(), "guardian-int-"));
    const out = path.join(parent, "out");
    // The output directory is created first, just before the snapshot is read: that is the moment.
    const seen = new Promise<void>((resolve) => {
      const w = watch(parent, () => {
        if (existsSync(out)) {
          w.close();
          resolve();
        }
      });
    });
    const { child, exited } = run(out);
    await seen;
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(await checkOutput(out)).toBe(0);
  });

  it("while writing 1,000 files: exit 130, no temp file, every file whole", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "guardian-int-"));
    const { child, exited } = run(out);
    // Freeze the process at its first temp file, interrupt it, let it go: the handler must clean up.
    await new Promise<void>((resolve) => {
      const w = watch(out, (_e, name) => {
        if (name?.endsWith(".tmp")) {
          child.kill("SIGSTOP");
          w.close();
          resolve();
        }
      });
    });
    child.kill("SIGINT");
    child.kill("SIGCONT");
    expect(await exited).toBe(130);
    const written = await checkOutput(out);
    expect(written).toBeLessThan(1000);
  });
});
