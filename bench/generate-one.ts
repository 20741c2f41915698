// Child process of the benchmark: resolve + generate one synthetic size in process, rows folded as a
// live run folds each pod's answer; reports time and peak memory. Usage: node bench/generate-one.ts SIZE
import { startFold } from "../src/pipeline/fold.ts";
import { generate } from "../src/pipeline/generate.ts";
import { SIZES, synthesise } from "./synth.ts";

const size = SIZES[process.argv[2] as string];
if (!size) throw new Error(`unknown size ${process.argv[2]}`);
const s = synthesise(size);
const data = s.data();
// As the broker answers: one pod's rows at a time.
const byPod = new Map<string, typeof data.rows>();
for (const row of data.rows) {
  const list = byPod.get(row.podName);
  if (list) list.push(row);
  else byPod.set(row.podName, [row]);
}
// Each answer's rows allocated together, as parsing one answer does (not scattered over the whole run).
const copy = (r: (typeof data.rows)[number]) => ({ ...r, ...(r.peer ? { peer: { ...r.peer, ...(r.peer.workload ? { workload: { ...r.peer.workload } } : {}) } } : {}) });
const answers = [...byPod.values()].map((rows) => rows.map(copy));
data.rows = [];
byPod.clear();
(globalThis as { gc?: () => void }).gc?.();
const opts = {
  scope: { kind: "all" as const },
  type: "kubernetes" as const,
  allowDns: true,
  minFlows: 1,
  policyTypes: ["Ingress" as const, "Egress" as const],
  defaultDeny: false,
  includeDropped: false,
  generator: "bench",
};
const started = performance.now();
const fold = startFold(s.inventory, data, { includeDropped: false });
for (const rows of answers) fold.add(rows);
const folded = fold.done();
const resolvedMs = performance.now() - started;
const r = generate(s.inventory, data, opts, folded);
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ size: size.name, ms, resolveMs: resolvedMs, rssMiB: process.resourceUsage().maxRSS / 1024, policies: r.objects.length, rules: r.result.stats.rules, rows: r.result.stats.rows, pods: size.pods, dead: s.dead })}\n`,
);
