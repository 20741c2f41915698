import { createHash } from "node:crypto";
import { access, constants, mkdir, mkdtemp, readFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exec, ROOT } from "../support/binary.ts";
import { type KrewPlatform, krewProblems, platformFor } from "../support/krew.ts";

let work: string;
let releaseDir: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "guardian-krew-"));
  releaseDir = path.join(work, "release");
  // Only the host platform: the others need their Node binaries from the registry and add minutes.
  const r = exec(process.execPath, [
    "scripts/release.ts",
    "--platform",
    "linux-amd64",
    "--out",
    releaseDir,
    "--base-url",
    `file://${releaseDir}`,
  ]);
  if (r.code !== 0) throw new Error(`release failed: ${r.stderr}`);
});

describe("krew manifests", () => {
  it("plugin.yaml is a valid krew Plugin for linux/darwin amd64/arm64 and windows amd64 minus darwin/arm64", async () => {
    const m = parse(await readFile(path.join(ROOT, "plugin.yaml"), "utf8"));
    expect(krewProblems(m)).toEqual([]);
    const platforms = (m.spec.platforms as KrewPlatform[]).map((p) => `${p.selector?.matchLabels?.os}/${p.selector?.matchLabels?.arch}`);
    expect(platforms).toEqual(["linux/amd64", "linux/arm64", "darwin/amd64", "windows/amd64"]);
    expect(m.spec.version).toBe(`v${JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")).version}`);
  });

  it("the krew-index template renders into a valid manifest", async () => {
    const tpl = await readFile(path.join(ROOT, "krew-manifest", ".krew.yaml"), "utf8");
    const rendered = tpl
      .replace(/\{\{\s*addURIAndSha "([^"]+)" \.TagName\s*\}\}/g, (_, uri: string) => `uri: ${uri}\n      sha256: ${"a".repeat(64)}`)
      .replace(/\{\{ \.TagName \}\}/g, "v1.2.3");
    const m = parse(rendered);
    expect(krewProblems(m)).toEqual([]);
    expect(m.spec.platforms).toHaveLength(4);
  });

  it("npm run release writes the archive, its sha256 and a plugin.yaml pointing at them", async () => {
    const m = parse(await readFile(path.join(releaseDir, "plugin.yaml"), "utf8"));
    expect(krewProblems(m)).toEqual([]);
    const p = platformFor(m, "linux", "amd64");
    const archive = fileURLToPath(p?.uri as string);
    const sum = createHash("sha256")
      .update(await readFile(archive))
      .digest("hex");
    expect(p?.sha256).toBe(sum);
    expect(await readFile(`${archive}.sha256`, "utf8")).toBe(`${sum}  ${path.basename(archive)}\n`);
  });
});

describe("kubectl krew install --manifest=plugin.yaml --archive=…, step by step", () => {
  it("checks the sha256, unpacks, links the bin entry and kubectl runs it", async () => {
    const m = parse(await readFile(path.join(releaseDir, "plugin.yaml"), "utf8"));
    const p = platformFor(m, "linux", "amd64") as KrewPlatform;
    const archive = fileURLToPath(p.uri as string);
    const data = await readFile(archive);
    expect(createHash("sha256").update(data).digest("hex")).toBe(p.sha256);

    const krewRoot = path.join(work, "krew");
    const store = path.join(krewRoot, "store", m.metadata.name, m.spec.version);
    const binDir = path.join(krewRoot, "bin");
    await mkdir(store, { recursive: true });
    await mkdir(binDir, { recursive: true });
    expect(exec("tar", ["-xzf", archive, "-C", store]).code).toBe(0);
    const entry = path.join(store, p.bin as string);
    await access(entry, constants.X_OK);
    await symlink(entry, path.join(binDir, `kubectl-${m.metadata.name}`));

    const env = { PATH: `${binDir}:/usr/local/bin:/usr/bin:/bin`, HOME: work };
    expect(exec("kubectl", ["plugin", "list"], { env }).stdout).toContain(path.join(binDir, "kubectl-guardian"));
    const v = exec("kubectl", ["guardian", "version"], { env });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^kubectl-guardian \d+\.\d+\.\d+/);
    const demo = exec("kubectl", ["guardian", "gen", "netpol", "web", "-n", "shop", "--demo", "--output-dir", ""], { env });
    expect(demo.stdout).toContain("name: web-guardian");
  });

  it("ships kubectl_complete-guardian, which completes flags in cobra's protocol", async () => {
    const stage = path.join(work, "complete");
    await mkdir(stage, { recursive: true });
    const archive = fileURLToPath(
      platformFor(parse(await readFile(path.join(releaseDir, "plugin.yaml"), "utf8")), "linux", "amd64")?.uri as string,
    );
    exec("tar", ["-xzf", archive, "-C", stage]);
    const r = exec(path.join(stage, "kubectl_complete-guardian"), ["gen", "netpol", "--al"], { env: { PATH: `${stage}:/usr/bin:/bin` } });
    const lines = r.stdout.trim().split("\n");
    expect(lines).toContain("--all");
    expect(lines.at(-1)).toBe(":4");
  });
});
