// npm run release: one reproducible .tar.gz per platform, its sha256, and a krew plugin.yaml with the
// real URIs and sums. Usage: node scripts/release.ts [--platform NAME ...] [--out DIR] [--base-url URL]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { KUBECTL_COMPLETE_SCRIPT } from "../src/cli/commands/completion.ts";
import { bundle, sea } from "./build.ts";
import { buildInfo, PLATFORMS, ROOT } from "./lib.ts";

const { values } = parseArgs({
  options: {
    platform: { type: "string", multiple: true },
    out: { type: "string", default: path.join(ROOT, "dist", "release") },
    "base-url": { type: "string" },
  },
});
const info = buildInfo();
const tag = `v${info.version}`;
const baseUrl = values["base-url"] ?? `https://github.com/kubectl-guardian/kubectl-guardian/releases/download/${tag}`;
const out = path.resolve(values.out);
const platforms = values.platform ?? Object.keys(PLATFORMS);
const mtime = `@${Math.floor((Date.parse(info.date) || 0) / 1000)}`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await bundle();

// The leading comment explains the placeholders, which the release replaces.
const manifest = parseDocument(readFileSync(path.join(ROOT, "plugin.yaml"), "utf8").replace(/^(#.*\n)+/, ""));
manifest.setIn(["spec", "version"], tag);
const entries = manifest.getIn(["spec", "platforms"]) as { items: unknown[] };
const built = new Set<string>();

for (const name of platforms) {
  const p = PLATFORMS[name];
  if (!p) throw new Error(`unknown platform ${name}`);
  const stage = path.join(out, `stage-${name}`);
  mkdirSync(stage, { recursive: true });
  sea(name, path.join(stage, p.exe));
  copyFileSync(path.join(ROOT, "LICENSE"), path.join(stage, "LICENSE"));
  if (p.os !== "windows") writeFileSync(path.join(stage, "kubectl_complete-guardian"), KUBECTL_COMPLETE_SCRIPT, { mode: 0o755 });
  const archive = `kubectl-guardian_${tag}_${p.os}_${p.arch}.tar.gz`;
  // Sorted names, fixed owner and mtime, gzip without a timestamp: the same commit gives the same bytes.
  const tarball = execFileSync(
    "tar",
    ["--sort=name", `--mtime=${mtime}`, "--owner=0", "--group=0", "--numeric-owner", "-C", stage, "-cf", "-", "."],
    {
      maxBuffer: 1 << 30,
    },
  );
  const gz = execFileSync("gzip", ["-n", "-6"], { input: tarball, maxBuffer: 1 << 30 });
  writeFileSync(path.join(out, archive), gz);
  const sha = createHash("sha256").update(gz).digest("hex");
  writeFileSync(path.join(out, `${archive}.sha256`), `${sha}  ${archive}\n`);
  rmSync(stage, { recursive: true });
  built.add(`${p.os}/${p.arch}`);
  for (const item of entries.items) {
    const e = item as { getIn(p: string[]): unknown; set(k: string, v: unknown): void };
    if (`${e.getIn(["selector", "matchLabels", "os"])}/${e.getIn(["selector", "matchLabels", "arch"])}` === `${p.os}/${p.arch}`) {
      e.set("uri", `${baseUrl}/${archive}`);
      e.set("sha256", sha);
    }
  }
  console.log(`${archive}  ${sha}  ${(gz.length / 1e6).toFixed(1)} MB`);
}

// Platforms not built in this run would carry placeholder sums: leave them out of the manifest.
entries.items = entries.items.filter((item) => {
  const e = item as { getIn(p: string[]): unknown };
  return built.has(`${e.getIn(["selector", "matchLabels", "os"])}/${e.getIn(["selector", "matchLabels", "arch"])}`);
});
writeFileSync(path.join(out, "plugin.yaml"), manifest.toString({ lineWidth: 0 }));
console.log(`wrote ${path.relative(ROOT, path.join(out, "plugin.yaml"))} (${built.size} platform(s))`);
