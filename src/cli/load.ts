// Loading the evidence: the bundled demo, a snapshot file, or the live cluster and its broker (I/O;
// the commands import it when they run, never at start-up).
import { open, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { KubeTarget } from "../cluster/kubeconfig.ts";
import type { Inventory, Warning } from "../model/types.ts";
import type { Scope } from "../pipeline/generate.ts";
import { type FetchResult, PER_POD_CAP } from "../sources/broker/fetch.ts";
import { HostnamesError, mergeHostnames, type ParsedHostnames, readHostnameLines } from "../sources/hubble/hostnames.ts";
import { type LoadedSnapshot, parseSnapshot, SnapshotError } from "../sources/snapshot/snapshot.ts";
import { CliError, EXIT } from "./errors.ts";
import type { ClusterFlags } from "./flags/broker.ts";
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

export const hostnamesSkipped = (n: number) =>
  `${n} hostnames entr${n === 1 ? "y" : "ies"} skipped: each needs a valid ip and DNS names (fix or remove ${n === 1 ? "it" : "them"})`;

/** Adds the names of a --hostnames file to the loaded data; its bad entries count as malformed. */
export async function withHostnames(src: Loaded, file: string | undefined, stdin?: NodeJS.ReadableStream): Promise<Loaded> {
  if (file === undefined) return src;
  const hint = "Give a JSON list of {ip, names}, or the output of 'hubble observe --protocol dns -o json'.";
  let parsed: ParsedHostnames;
  try {
    parsed = await readHostnames(file, stdin);
  } catch (e) {
    if (e instanceof HostnamesError) throw new CliError(e.message, EXIT.error, hint);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`cannot read hostnames file ${file}: ${code}`, EXIT.error, hint);
    throw e;
  }
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

type Modules = {
  pf: typeof import("../cluster/port-forward.ts");
  broker: typeof import("../sources/broker/client.ts");
};

/** The broker's base URL: --broker-url, else a port-forward to a Ready pod behind its Service. */
async function connectBroker(
  f: ClusterFlags,
  target: KubeTarget,
  m: Modules,
  opened: (fwd: Awaited<ReturnType<Modules["pf"]["openPortForward"]>>) => void,
  log?: (line: string) => void,
): Promise<string> {
  if (f.brokerUrl) return f.brokerUrl;
  const loc = await m.pf.findBroker(target.kc, { namespace: f.brokerNamespace, ...(f.brokerService ? { service: f.brokerService } : {}) });
  const forward = await m.pf.openPortForward(target.kc, loc);
  opened(forward);
  log?.(`port-forward ${forward.url} → pod ${loc.namespace}/${loc.pod}:${loc.port} (Service ${loc.service})`);
  return forward.url;
}

function brokerClient(f: ClusterFlags, baseUrl: string, m: Modules, log?: (line: string) => void) {
  return new m.broker.BrokerClient({
    baseUrl,
    ...(f.brokerToken ? { token: f.brokerToken } : {}),
    timeoutMs: f.requestTimeout,
    retries: 2,
    maxBodyBytes: 512 << 20,
    ...(log ? { log } : {}),
  });
}

/** Progress on a terminal only: nothing on stderr but the summary otherwise. */
function progressOf(io: Io): ((done: number, total: number) => void) | undefined {
  if (io.stderr.isTTY !== true) return undefined;
  return (done, total) => {
    if (total > 5) io.stderr.write(`\rreading traffic: ${done}/${total} pods${done === total ? "\n" : ""}`);
  };
}

/** A broker failure as one line; through a port-forward, the forward's own error when it is the cause. */
function brokerFailure(e: unknown, m: Modules, viaForward: string | null | undefined): unknown {
  if (!(e instanceof m.broker.BrokerError)) return e;
  if (viaForward && (e.kind === "unreachable" || e.kind === "timeout"))
    return new CliError(
      `port-forward to the broker failed: ${viaForward}`,
      EXIT.error,
      "Check that you may create pods/portforward in the broker's namespace.",
    );
  return new CliError(e.message);
}

/** Kubeconfig → inventory and broker (port-forwarded unless --broker-url) → the pods the scope needs. */
export async function loadCluster(
  f: ClusterFlags,
  scopeFor: (ns: string) => Scope,
  io: Io,
  now: number,
): Promise<Loaded & { kube: KubeTarget }> {
  const [target, { loadInventory, ApiUnreachableError }, pf, broker, { fetchBrokerData }, { planFetch }] = await Promise.all([
    kubeTarget({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }, io),
    import("../cluster/inventory.ts"),
    import("../cluster/port-forward.ts"),
    import("../sources/broker/client.ts"),
    import("../sources/broker/fetch.ts"),
    import("../pipeline/plan.ts"),
  ]);
  const m = { pf, broker };
  const log = f.verbose ? (line: string) => io.stderr.write(`${line}\n`) : undefined;
  log?.(`context ${target.context}, API server ${target.server}`);
  const scope = scopeFor(f.namespace ?? target.namespace);
  let forward: Awaited<ReturnType<typeof pf.openPortForward>> | null = null;
  const close = async () => {
    await forward?.close();
  };
  try {
    // The inventory and the broker connection are independent: both at once.
    const [inv, baseUrl] = await Promise.all([
      loadInventory(target.kc, target.server),
      connectBroker(
        f,
        target,
        m,
        (fwd) => {
          forward = fwd;
        },
        log,
      ),
    ]);
    const client = brokerClient(f, baseUrl, m, log);
    let widened: string | undefined;
    const progress = progressOf(io);
    const fetched = await fetchBrokerData(
      client,
      (brokerPods) => {
        const plan = planFetch(inv.inventory, brokerPods, scope);
        widened = plan.widened;
        return plan.pods;
      },
      { concurrency: f.concurrency, keepWire: f.keepWire === true, ...(progress ? { onProgress: progress } : {}) },
    ).catch((e) => {
      throw brokerFailure(e, m, (forward as { lastError(): string | null } | null)?.lastError());
    });
    const warnings: Warning[] = [...inv.warnings];
    if (widened) warnings.push({ code: "fetch-widened", message: `reading every pod's traffic: ${widened}` });
    return {
      snapshot: {
        createdAt: now,
        context: target.context,
        data: fetched.data,
        inventory: inv.inventory,
        malformed: { ...fetched.malformed, hostnames: 0 },
      },
      defaultNamespace: target.namespace,
      warnings,
      failures: fetched.failures,
      truncated: fetched.truncated,
      wire: fetched.wire,
      stats: { brokerRequests: fetched.requests, apiRequests: inv.requests },
      kube: target,
      close,
    };
  } catch (e) {
    await close();
    if (e instanceof ApiUnreachableError || e instanceof pf.BrokerLookupError) throw new CliError(e.message);
    throw e;
  }
}

export type { Inventory };
