// npm test: every check in order, on the pinned Node; ends with one plain "N passed, N failed" line.
// Usage: node scripts/test.ts [step ...]   steps: lint typecheck unit build e2e integration
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib.ts";

const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
const vitest = (project: string) =>
  [
    bin("vitest"),
    ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=.vitest-${project}.json`],
  ] as const;
const STEPS: Record<string, readonly [string, readonly string[]]> = {
  system: ["bash", [path.join(ROOT, "scripts/ensure-system-deps.sh")]],
  lint: [bin("biome"), ["check", "."]],
  typecheck: [bin("tsc"), ["-p", "."]],
  unit: vitest("unit"),
  build: [process.execPath, [path.join(ROOT, "scripts/build.ts")]],
  e2e: vitest("e2e"),
  integration: vitest("integration"),
};
const requested = process.argv.slice(2);
const steps = requested.length ? requested : Object.keys(STEPS);

let passed = 0;
let failed = 0;
let broken: string | null = null;
for (const step of steps) {
  const s = STEPS[step];
  if (!s) throw new Error(`unknown step ${step}; known: ${Object.keys(STEPS).join(", ")}`);
  const report = path.join(ROOT, `.vitest-${step}.json`);
  rmSync(report, { force: true });
  console.error(`\n== ${step}`);
  const started = Date.now();
  const r = spawnSync(s[0], s[1], {
    stdio: "inherit",
    cwd: ROOT,
    env: { ...process.env, PATH: `${path.dirname(bin("x"))}:${process.env.PATH}` },
  });
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number; numTotalTests: number };
    passed += j.numPassedTests;
    failed += j.numFailedTests + (j.numTotalTests === 0 ? 1 : 0);
  }
  console.error(`== ${step}: ${r.status === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) {
    broken = step;
    break;
  }
}
console.log(`${passed} passed, ${failed + (broken && failed === 0 ? 1 : 0)} failed`);
process.exit(broken ? 1 : 0);
