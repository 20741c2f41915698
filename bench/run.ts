// npm run bench: speed targets, measured here rather than in timed tests.
// Usage: node bench/run.ts [--sizes small,medium,large,xlarge] [--e2e large,xlarge] [--before BIN] [--skip-startup]
// --before: an earlier build of the binary, run end to end beside this one on the same cluster and broker.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "small,medium,large,xlarge" },
    e2e: { type: "string", default: "large,xlarge" },
    before: { type: "string" },
    "skip-startup": { type: "boolean", default: false },
  },
});

interface Result {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
}
const results: Result[] = [];

// Resolve + generate, each size in its own process so that peak RSS is its own.
const big = { maxBuffer: 1 << 20, encoding: "utf8" as const };
for (const size of (values.sizes as string).split(",").filter(Boolean)) {
  const out = execFileSync(process.execPath, ["--expose-gc", "--max-old-space-size=8192", path.join(ROOT, "bench/generate-one.ts"), size], big);
  const r = JSON.parse(out.trim().split("\n").pop() as string);
  const large = size === "large";
  results.push({ name: `resolve+generate ${size} (${r.pods} live + ${r.dead.pods} departed pods, ${r.rows} rows → ${r.policies} policies, ${r.rules} rules)`, value: r.ms, unit: "ms", ...(large ? { target: "< 2000 ms", pass: r.ms < 2000 } : {}) });
  results.push({ name: `  of which resolve (rows folded per pod answer)`, value: r.resolveMs, unit: "ms" });
  results.push({ name: `  peak RSS ${size} (rows held in memory as input)`, value: r.rssMiB, unit: "MiB" });
}

// Hubble flows piped into the binary, offline: 1M flows of 350,000 connections, then 2M flows of the
// same connections (each seen again): memory follows the connections, not the flows. Targets set from
// the first measurements with a margin (2 cores; 1M flows with L7: 21.7 s, 730 MiB; 2M of the same
// connections: 43.8 s, 825 MiB = 1.13x).
if (existsSync(path.join(ROOT, "dist/kubectl-guardian"))) {
  const run = (flows: number, connections: number) =>
    JSON.parse(execFileSync(process.execPath, [path.join(ROOT, "bench/hubble.ts"), String(flows), String(connections)], big).trim().split("\n").pop() as string);
  const one = run(1_000_000, 350_000);
  const two = run(2_000_000, 350_000);
  results.push({ name: `gen -A --from-hubble, 1M flows (${one.connections} connections; replies and L7 requests, 20,040 distinct paths): wall`, value: one.wallS * 1000, unit: "ms", target: "< 28000 ms", pass: one.wallS < 28 && one.exit === 0 });
  results.push({ name: "  peak RSS", value: one.rssMiB, unit: "MiB", target: "< 900 MiB", pass: one.rssMiB < 900 });
  results.push({ name: "  2M flows of the same connections: wall", value: two.wallS * 1000, unit: "ms" });
  results.push({ name: "  2M flows of the same connections: peak RSS (vs 1M)", value: two.rssMiB, unit: "MiB", target: `< ${Math.round(one.rssMiB * 1.25)} MiB`, pass: two.rssMiB < one.rssMiB * 1.25 });
}

// End to end: the built binary against a fake 1.20 broker and a real API server, beside an earlier
// build and kguardian's strategy.
const E2E_TARGETS: Record<string, { wallS: number; rssMiB: number }> = { large: { wallS: 12, rssMiB: 512 }, xlarge: { wallS: 45, rssMiB: 1024 } };
for (const size of (values.e2e as string).split(",").filter(Boolean)) {
  if (!existsSync(path.join(ROOT, "dist/kubectl-guardian"))) throw new Error("dist/kubectl-guardian is missing: run npm run build first");
  const args = ["--max-old-space-size=12288", path.join(ROOT, "bench/e2e.ts"), size, ...(values.before ? ["--before", values.before] : [])];
  const out = execFileSync(process.execPath, args, { ...big, stdio: ["ignore", "pipe", "inherit"] });
  const r = JSON.parse(out.trim().split("\n").pop() as string);
  const t = E2E_TARGETS[size];
  const speedup = r.baseline.wallS / r.ours.wallS;
  const fewer = r.baseline.brokerRequests / r.ours.brokerRequests;
  results.push({ name: `gen -A end to end ${size} (${r.pods} live + ${r.dead.pods} departed pods, ${r.dead.withRows} of them with rows; ${r.rows} rows): wall`, value: r.ours.wallS * 1000, unit: "ms", ...(t ? { target: `< ${t.wallS * 1000} ms`, pass: r.ours.wallS < t.wallS } : {}) });
  results.push({ name: "  peak RSS", value: r.ours.rssMiB, unit: "MiB", ...(t ? { target: `< ${t.rssMiB} MiB`, pass: r.ours.rssMiB < t.rssMiB } : {}) });
  results.push({ name: `  broker requests (pods whose evidence can matter: ${r.matter}; API requests: ${r.ours.apiRequests})`, value: r.ours.brokerRequests, unit: "req", target: `≤ ${r.matter + 10}`, pass: r.ours.brokerRequests <= r.matter + 10 });
  results.push({ name: "  reads refused by the broker's read budget (503)", value: r.ours.shed, unit: "req", target: "0", pass: r.ours.shed === 0 });
  if (r.before) {
    results.push({ name: "  before (--before build): wall", value: r.before.wallS * 1000, unit: "ms" });
    results.push({ name: "  before: peak RSS", value: r.before.rssMiB, unit: "MiB" });
    results.push({ name: `  before: broker requests (${r.before.shed} refused by the budget)`, value: r.before.brokerRequests, unit: "req" });
  }
  results.push({ name: `  kguardian's strategy: wall${r.baseline.extrapolated ? ` (${r.baseline.extrapolated})` : ""}`, value: r.baseline.wallS * 1000, unit: "ms" });
  results.push({ name: "  kguardian's strategy: peak RSS", value: r.baseline.rssMiB, unit: "MiB" });
  results.push({ name: `  kguardian's strategy: broker requests (API requests: ${r.baseline.apiRequests})`, value: r.baseline.brokerRequests, unit: "req" });
  results.push({ name: "  speed-up over kguardian's strategy", value: speedup, unit: "×", ...(size === "large" ? { target: "≥ 5×", pass: speedup >= 5 } : {}) });
  results.push({ name: "  fewer broker requests", value: fewer, unit: "×", ...(size === "large" ? { target: "≥ 10×", pass: fewer >= 10 } : {}) });
}

// --hostnames: Hubble's DNS flows read into names for addresses.
{
  const r = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, "bench/hostnames.ts")], { encoding: "utf8" }).trim());
  results.push({ name: `--hostnames: ${r.lines} Hubble flows, half DNS (${r.mib.toFixed(0)} MiB) → ${r.entries} addresses`, value: r.ms, unit: "ms", target: "< 5000 ms", pass: r.ms < 5000 });
}

// Review UI: keypress to frame with 2,000 rules (bundled first: Node does not run .tsx).
{
  const out = path.join(ROOT, "dist", "bench-tui.mjs");
  execFileSync(path.join(ROOT, "node_modules/.bin/esbuild"), [path.join(ROOT, "bench/tui-keypress.tsx"), "--bundle", "--platform=node", "--format=esm", `--outfile=${out}`, "--jsx=automatic", "--log-level=error", `--alias:react-devtools-core=${path.join(ROOT, "scripts/stubs/react-devtools-core.js")}`, "--banner:js=import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);"]);
  const r = JSON.parse(execFileSync(process.execPath, [out], { encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } }).trim());
  results.push({ name: "review keypress → frame, 2,000 rules (p95; median " + r.median.toFixed(1) + " ms)", value: r.p95, unit: "ms", target: "< 50 ms", pass: r.p95 < 50 });
}

// Start-up of the built binary against the bare runtime, median of 15 runs each.
if (!values["skip-startup"]) {
  const bin = path.join(ROOT, "dist/kubectl-guardian");
  if (!existsSync(bin)) throw new Error("dist/kubectl-guardian is missing: run npm run build first (or pass --skip-startup)");
  const median = (cmd: string, args: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < 17; i++) {
      const t = performance.now();
      const r = spawnSync(cmd, args, { stdio: "ignore" });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}`);
      if (i >= 2) times.push(performance.now() - t); // two warm-up runs
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  };
  const node = median(process.execPath, ["-e", ""]);
  const help = median(bin, ["--help"]);
  results.push({ name: "node -e '' (same Node as the binary)", value: node, unit: "ms" });
  results.push({ name: "kubectl-guardian --help", value: help, unit: "ms", target: `≤ 2 × node = ${(2 * node).toFixed(0)} ms`, pass: help <= 2 * node });
}

const width = Math.max(...results.map((r) => r.name.length));
console.log(`${"measure".padEnd(width)}  ${"value".padStart(10)}  target`);
for (const r of results) {
  const v = `${r.value.toFixed((r.unit === "ms" && r.value < 100) || r.unit === "×" ? 1 : 0)} ${r.unit}`;
  console.log(`${r.name.padEnd(width)}  ${v.padStart(10)}  ${r.target ? `${r.target} ${r.pass ? "PASS" : "FAIL"}` : ""}`);
}
mkdirSync(path.join(ROOT, "bench"), { recursive: true });
writeFileSync(path.join(ROOT, "bench/results.json"), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
console.log("wrote bench/results.json");
process.exitCode = results.some((r) => r.pass === false) ? 1 : 0;
