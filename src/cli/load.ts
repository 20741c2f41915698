// Loading the evidence: the bundled demo, a snapshot file, or the live cluster and its broker (I/O;
// the commands import it when they run, never at start-up).
import { open, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { KubeTarget } from "../cluster/kubeconfig.ts";
import type { Inventory, Warning } from "../model/types.ts";
import type { Folded } from "../pipeline/fold.ts";
import { type FetchResult, PER_POD_CAP } from "../sources/broker/fetch.ts";
import { HostnamesError, mergeHostnames, type ParsedHostnames, readHostnameLines } from "../sources/hubble/hostnames.ts";
import { type LoadedSnapshot, parseSnapshot, SnapshotError } from "../sources/snapshot/snapshot.ts";
import { CliError, EXIT } from "./errors.ts";
import { type Io, readStdin } from "./io.ts";

export interface Loaded {
  snapshot: LoadedSnapshot;
  /** The namespace -n means when not given. */
  defaultNamespace: string;
  warnings: Warning[];
  /** Pods whose traffic could not be read. */
  failures: FetchResult["failures"];
  /** Pod names whose broker answer reached the per-pod cap (oldest rows not served). */
  truncated: string[];
  /** Raw records for `snapshot`. */
  wire?: FetchResult["wire"];
  stats?: { brokerRequests: number; apiRequests: number };
  /** The kubeconfig target the data was read through; absent for the demo and snapshots. */
  kube?: KubeTarget;
  /** Live runs: the rows folded as they were read (snapshot.data.rows is then empty). */
  folded?: Folded;
  close(): Promise<void>;
}

/** The kubeconfig's target for --kubeconfig and --context, its faults as one-line CLI errors. */
export async function kubeTarget(f: { kubeconfig?: string | undefined; context?: string | undefined }, io: Io): Promise<KubeTarget> {
  const { loadKubeconfig, KubeconfigError } = await import("../cluster/kubeconfig.ts");
  try {
    return loadKubeconfig({ ...f, env: io.env });
  } catch (e) {
    if (e instanceof KubeconfigError) throw new CliError(e.message);
    throw e;
  }
}

const RECORD_HINT = "Record a new one with 'kubectl guardian snapshot -o FILE'.";

export async function loadDemo(): Promise<Loaded> {
  const { default: demo } = await import("../demo/demo-snapshot.json", { with: { type: "json" } });
  return fromSnapshot(parseSnapshot(demo, "the bundled demo snapshot"));
}

export async function loadSnapshotFile(file: string, io: Pick<Io, "stdin">): Promise<Loaded> {
  let text: string;
  try {
    text = file === "-" ? await readStdin(io) : await readFile(file, "utf8");
  } catch (e) {
    throw new CliError(
      `cannot read snapshot ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      EXIT.error,
      "Check the path given to --from-snapshot.",
    );
  }
  const name = file === "-" ? "the snapshot on stdin" : `snapshot ${file}`;
  let doc: unknown;
  try {
    // A BOM, as Windows editors and PowerShell write, is not JSON.
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new CliError(`${name} is not valid JSON: ${(e as Error).message}`, EXIT.error, RECORD_HINT);
  }
  try {
    return fromSnapshot(parseSnapshot(doc, name));
  } catch (e) {
    if (e instanceof SnapshotError) throw new CliError(e.message, EXIT.error, RECORD_HINT);
    throw e;
  }
}

/** Broker records skipped as malformed (names from --hostnames are counted apart). */
export const malformedRecords = (src: Loaded): number => {
  const m = src.snapshot.malformed;
  return m.traffic + m.pods + m.services;
};

export const hostnamesSkipped = (n: number) =>
  `${n} hostnames entr${n === 1 ? "y" : "ies"} skipped: each needs a valid ip and DNS names (fix or remove ${n === 1 ? "it" : "them"})`;

/** The --hostnames file read, its faults as one-line CLI errors; before any evidence, so a live run can use it while it reads. */
export async function readHostnamesFlag(file: string | undefined, stdin?: NodeJS.ReadableStream): Promise<ParsedHostnames | undefined> {
  if (file === undefined) return undefined;
  const hint = "Give a JSON list of {ip, names}, or the output of 'hubble observe --protocol dns -o json'.";
  try {
    return await readHostnames(file, stdin);
  } catch (e) {
    if (e instanceof HostnamesError) throw new CliError(e.message, EXIT.error, hint);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`cannot read hostnames file ${file}: ${code}`, EXIT.error, hint);
    throw e;
  }
}

/** Adds names to the loaded data; their bad entries count as malformed. */
export function addHostnames(src: Loaded, parsed: ParsedHostnames | undefined): Loaded {
  if (!parsed) return src;
  const snap = src.snapshot;
  snap.data = { ...snap.data, hostnames: mergeHostnames(snap.data.hostnames ?? [], parsed.items) };
  snap.malformed = { ...snap.malformed, hostnames: snap.malformed.hostnames + parsed.malformed };
  return src;
}

/** A file or stdin ("-"), streamed: a Hubble capture can be far larger than the names it holds. */
export async function readHostnames(file: string, stdin?: NodeJS.ReadableStream): Promise<ParsedHostnames> {
  const lines = (input: NodeJS.ReadableStream) => createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  if (file === "-") return stdin ? readHostnameLines(lines(stdin), "hostnames on stdin") : { items: [], malformed: 0 };
  const handle = await open(file);
  try {
    return await readHostnameLines(lines(handle.createReadStream({ start: 0, autoClose: false })), `hostnames file ${file}`);
  } finally {
    await handle.close();
  }
}

function fromSnapshot(snapshot: LoadedSnapshot): Loaded {
  // A recorded answer that reached the cap was cut by the broker as it was read.
  const perName = new Map<string, number>();
  for (const r of snapshot.data.rows) perName.set(r.podName, (perName.get(r.podName) ?? 0) + 1);
  // Only the 1.13.1+ broker caps a pod's answer.
  const capped = snapshot.data.broker === "1.20";
  const truncated = [...perName]
    .filter(([, n]) => capped && n >= PER_POD_CAP)
    .map(([name]) => name)
    .sort();
  return { snapshot, defaultNamespace: "default", warnings: [], failures: [], truncated, close: async () => {} };
}

export type { Inventory };
