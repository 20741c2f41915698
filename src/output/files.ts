// File output: atomic (temp file + rename), never over a file the tool did not write.
import { createHash, randomBytes } from "node:crypto";
import { constants, promises as fs, rmSync, writeSync } from "node:fs";
import path from "node:path";

// Every file starts with this line; its hash covers the rest, so an edit by hand is detected.
const MARK = "# kubectl-guardian sha256:";
const digest = (body: string) => createHash("sha256").update(body).digest("hex").slice(0, 16);

export function withChecksum(body: string): string {
  return `${MARK}${digest(body)}\n${body}`;
}

/** "ours" when we wrote it and nobody changed it since; "edited" or "foreign" otherwise. */
export function provenance(text: string): "ours" | "edited" | "foreign" {
  if (!text.startsWith(MARK)) return "foreign";
  const nl = text.indexOf("\n");
  if (nl < 0) return "edited";
  return text.slice(MARK.length, nl) === digest(text.slice(nl + 1)) ? "ours" : "edited";
}

// Writes under way, so that an interrupt can let them settle and leave no temp file (see stopWrites).
const inFlight = new Map<string, Promise<void>>();
let stopping = false;

export async function writeAtomic(file: string, content: string): Promise<void> {
  if (stopping) throw new Error("interrupted");
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  const write = (async () => {
    try {
      await fs.writeFile(tmp, content, { mode: 0o644, flag: "wx" });
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  })();
  inFlight.set(tmp, write);
  try {
    await write;
  } finally {
    inFlight.delete(tmp);
  }
}

/** A file written piece by piece into a temp file beside it, renamed over it on commit: never half-written. */
export interface AtomicFile {
  write(text: string): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openAtomic(file: string): Promise<AtomicFile> {
  if (stopping) throw new Error("interrupted");
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await fs.open(tmp, "wx", 0o644);
  let settle = () => {};
  inFlight.set(tmp, new Promise<void>((r) => (settle = r)));
  const end = async (keep: boolean) => {
    try {
      await handle.close();
      if (keep) await fs.rename(tmp, file);
    } finally {
      if (!keep) await fs.rm(tmp, { force: true });
      inFlight.delete(tmp);
      settle();
    }
  };
  return {
    // Synchronous, so that pieces land in the order given; each piece is one answer's records.
    write: (text) => {
      if (stopping) throw new Error("interrupted");
      writeSync(handle.fd, text);
    },
    commit: () => end(true),
    abort: () => end(false).catch(() => {}),
  };
}

/**
 * On Ctrl-C: start no new write, let those under way finish (a file system call cannot be taken back
 * once the OS has it), then remove any temp file left. Every target keeps its old or its new content.
 */
export async function stopWrites(): Promise<void> {
  stopping = true;
  const pending = [...inFlight.entries()];
  await Promise.race([Promise.allSettled(pending.map(([, p]) => p)), new Promise((r) => setTimeout(r, 2000))]);
  for (const [tmp] of pending) rmSync(tmp, { force: true });
}

export class OutputDirError extends Error {}

/** Creates the directory if needed and proves it writable before any work is done. */
export async function prepareDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    await fs.access(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new OutputDirError(
      `cannot write to output directory ${dir} (${code}); choose another with --output-dir, or --output-dir "" for stdout`,
    );
  }
}

export interface WriteReport {
  written: string[];
  unchanged: string[];
  refused: { file: string; reason: string }[];
}

/** Writes each file (with its checksum line) unless an existing one is not ours or was edited since; then only with force. */
export async function writeFiles(dir: string, files: { name: string; content: string }[], force: boolean): Promise<WriteReport> {
  const report: WriteReport = { written: [], unchanged: [], refused: [] };
  for (const f of files) {
    const target = path.join(dir, f.name);
    if (path.basename(f.name) !== f.name || f.name.startsWith(".")) {
      report.refused.push({ file: f.name, reason: "the name would leave the output directory" });
      continue;
    }
    const content = withChecksum(f.content);
    let existing: string | null = null;
    try {
      existing = await fs.readFile(target, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (existing === content) {
      report.unchanged.push(target);
      continue;
    }
    if (existing !== null && !force) {
      const p = provenance(existing);
      if (p === "foreign") {
        report.refused.push({ file: target, reason: "it exists and was not written by kubectl-guardian (pass --force to overwrite)" });
        continue;
      }
      if (p === "edited") {
        report.refused.push({ file: target, reason: "it was edited since kubectl-guardian wrote it (pass --force to overwrite)" });
        continue;
      }
    }
    await writeAtomic(target, content);
    report.written.push(target);
  }
  return report;
}
