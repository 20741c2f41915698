// Child process of the benchmark: resolve + generate one synthetic size, report time and peak memory.
import { synthesise, SIZES } from "./synth.ts";
import { generate } from "../src/pipeline/generate.ts";

const size = SIZES[process.argv[2] as string];
if (!size) throw new Error(`unknown size ${process.argv[2]}`);
const s = synthesise(size);
const started = performance.now();
const r = generate(s.inventory, s.data, {
  scope: { kind: "all" },
  type: "kubernetes",
  allowDns: true,
  minFlows: 1,
  policyTypes: ["Ingress", "Egress"],
  defaultDeny: false,
  includeDropped: false,
  generator: "bench",
});
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ size: size.name, ms, rssMiB: process.resourceUsage().maxRSS / 1024, policies: r.objects.length, rules: r.result.stats.rules, rows: r.result.stats.rows, pods: size.pods })}\n`,
);
