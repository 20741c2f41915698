// npm run bench: speed targets, measured here rather than in timed tests.
// Usage: node bench/run.ts [--sizes small,medium,large] [--skip-startup]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { sizes: { type: "string", default: "small,medium,large" }, "skip-startup": { type: "boolean", default: false } } });

interface Result {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
}
const results: Result[] = [];

// Resolve + generate, each size in its own process so that peak RSS is its own.
for (const size of (values.sizes as string).split(",")) {
  const out = execFileSync(process.execPath, [path.join(ROOT, "bench/generate-one.ts"), size], { encoding: "utf8", maxBuffer: 1 << 20 });
  const r = JSON.parse(out.trim().split("\n").pop() as string);
  const large = size === "large";
  results.push({ name: `resolve+generate ${size} (${r.pods} pods, ${r.rows} rows → ${r.policies} policies, ${r.rules} rules)`, value: r.ms, unit: "ms", ...(large ? { target: "< 10000 ms", pass: r.ms < 10_000 } : {}) });
  results.push({ name: `  peak RSS ${size}`, value: r.rssMiB, unit: "MiB", ...(large ? { target: "< 1024 MiB", pass: r.rssMiB < 1024 } : {}) });
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
  const v = `${r.value.toFixed(r.unit === "ms" && r.value < 100 ? 1 : 0)} ${r.unit}`;
  console.log(`${r.name.padEnd(width)}  ${v.padStart(10)}  ${r.target ? `${r.target} ${r.pass ? "PASS" : "FAIL"}` : ""}`);
}
mkdirSync(path.join(ROOT, "bench"), { recursive: true });
writeFileSync(path.join(ROOT, "bench/results.json"), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
console.log("wrote bench/results.json");
process.exitCode = results.some((r) => r.pass === false) ? 1 : 0;
