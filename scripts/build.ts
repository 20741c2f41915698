// npm run build: bundle src/ with esbuild into one ESM file, then make it a single executable with
// Node's own SEA support (node --build-sea). Usage: node scripts/build.ts [--platform NAME ...]
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { baseBinary, buildInfo, hostPlatform, PLATFORMS, ROOT } from "./lib.ts";

const DIST = path.join(ROOT, "dist");
// The bundle lives outside dist/: with dist/ on PATH, kubectl plugin list would warn about a non-executable kubectl-guardian.mjs.
const BUNDLE = path.join(ROOT, "build", "kubectl-guardian.mjs");

/** yargs/cliui get a light string-width (see the stub); everything else keeps the real one. */
const lightHelpWidth: esbuild.Plugin = {
  name: "light-help-width",
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) =>
      /node_modules\/(yargs|cliui)\//.test(args.importer) ? { path: path.join(ROOT, "scripts/stubs/string-width.js") } : undefined,
    );
  },
};

/**
 * Node built-ins as lazily evaluated CommonJS shims: an ESM bundle hoists every built-in import to the
 * top, so --help would load tls, http2 and friends for the cluster code it never runs.
 */
const lazyBuiltins: esbuild.Plugin = {
  name: "lazy-builtins",
  setup(b) {
    const builtins = new Set(builtinModules);
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const bare = args.path.replace(/^node:/, "");
      if (!builtins.has(bare) || args.kind === "require-call" || /^(module|process|events|buffer|stream|util|path|fs|tty|os)$/.test(bare))
        return undefined;
      return { path: bare, namespace: "lazy-builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: `module.exports = require("node:${args.path}");`,
      loader: "js",
    }));
  },
};

/** Large JSON as a string for JSON.parse: V8 scans a string literal far faster than it parses an object literal. */
const jsonAsString: esbuild.Plugin = {
  name: "json-as-string",
  setup(b) {
    b.onLoad({ filter: /demo-snapshot\.json$/ }, async (args) => ({
      contents: `export default JSON.parse(${JSON.stringify(await readFile(args.path, "utf8"))});`,
      loader: "js",
    }));
  },
};

/** What --help and version print, computed by running the real parser once. */
async function fastAnswers(info: { version: string; commit: string; date: string }): Promise<Record<string, string>> {
  const { run } = await import("../src/cli/app.ts");
  const out: Record<string, string> = { version: `kubectl-guardian ${info.version} (commit ${info.commit}, built ${info.date})\n` };
  for (const argv of [
    ["--help"],
    ["-h"],
    ["gen", "netpol", "--help"],
    ["gen", "networkpolicy", "--help"],
    ["diff", "netpol", "--help"],
    ["diff", "networkpolicy", "--help"],
    ["snapshot", "--help"],
    ["verify", "--help"],
    ["rollback", "--help"],
  ]) {
    let text = "";
    const sink = {
      write: (s: string) => {
        text += s;
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WritableStream;
    const code = await run(argv, { stdout: sink, stderr: sink, env: {}, stdinIsTTY: false, cwd: ROOT });
    if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${text}`);
    out[argv.join(" ")] = text;
  }
  return out;
}

export async function bundle(): Promise<void> {
  const info = buildInfo();
  const fast = await fastAnswers(info);
  await esbuild.build({
    entryPoints: [path.join(ROOT, "src/cli/main.ts")],
    outfile: BUNDLE,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node26",
    minify: true,
    legalComments: "none",
    jsx: "automatic",
    alias: {
      "react-devtools-core": path.join(ROOT, "scripts/stubs/react-devtools-core.js"),
      "re2-wasm": path.join(ROOT, "scripts/stubs/re2-wasm.js"),
      // uri-js (the schema validators' uri format) wants punycode: the npm package, not Node's deprecated module.
      punycode: path.join(ROOT, "node_modules/punycode/punycode.js"),
    },
    // Bundled CommonJS dependencies call require(); an ESM bundle has to provide it.
    banner: { js: 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);' },
    define: {
      __GUARDIAN_VERSION__: JSON.stringify(info.version),
      __GUARDIAN_COMMIT__: JSON.stringify(info.commit),
      __GUARDIAN_BUILD_DATE__: JSON.stringify(info.date),
      __GUARDIAN_FAST__: JSON.stringify(fast),
      "process.env.NODE_ENV": '"production"',
    },
    plugins: [lightHelpWidth, jsonAsString, lazyBuiltins],
    logLevel: "warning",
  });
}

/** Builds one platform's executable at `out`. Code cache only for the host: it is specific to the machine's V8 build. */
export function sea(platform: string, out: string): void {
  const config = path.join(path.dirname(out), `sea-${platform}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    config,
    JSON.stringify({
      main: BUNDLE,
      mainFormat: "module",
      executable: baseBinary(platform),
      output: out,
      disableExperimentalSEAWarning: true,
      // A user's NODE_OPTIONS is for their Node programs, not for this one.
      execArgvExtension: "none",
      useCodeCache: platform === hostPlatform(),
    }),
  );
  rmSync(out, { force: true });
  execFileSync(process.execPath, ["--build-sea", config], { stdio: ["ignore", "ignore", "inherit"] });
  rmSync(config);
  chmodSync(out, 0o755);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { platform: { type: "string", multiple: true } } });
  const platforms = values.platform ?? [hostPlatform()];
  for (const p of platforms) if (!PLATFORMS[p]) throw new Error(`unknown platform ${p}; known: ${Object.keys(PLATFORMS).join(", ")}`);
  await bundle();
  for (const p of platforms) {
    const out = p === hostPlatform() ? path.join(DIST, "kubectl-guardian") : path.join(DIST, p, PLATFORMS[p]?.exe as string);
    sea(p, out);
    console.log(`built ${path.relative(ROOT, out)} (${(statSync(out).size / 1e6).toFixed(1)} MB)`);
  }
}
