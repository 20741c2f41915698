// Loading from the live cluster: the kubeconfig's target, its inventory, the broker (port-forwarded
// unless --broker-url), then the traffic of the pods the scope needs, each answer folded as it arrives.
import type { KubeTarget } from "../cluster/kubeconfig.ts";
import type { BrokerLocation, Forward } from "../cluster/port-forward.ts";
import type { Inventory, Warning } from "../model/types.ts";
import type { Fold, ResolveOptions } from "../pipeline/fold.ts";
import type { Scope } from "../pipeline/generate.ts";
import type { FetchPlan, FetchWindow } from "../pipeline/plan.ts";
import type { BrokerClient } from "../sources/broker/client.ts";
import { mergeHostnames, type ParsedHostnames } from "../sources/hubble/hostnames.ts";
import { CliError, EXIT } from "./errors.ts";
import type { ClusterFlags } from "./flags/broker.ts";
import type { Io } from "./io.ts";
import { kubeTarget, type Loaded } from "./load.ts";
import { type Progress, progressFor } from "./progress.ts";

type Modules = {
  pf: typeof import("../cluster/port-forward.ts");
  broker: typeof import("../sources/broker/client.ts");
  fetch: typeof import("../sources/broker/fetch.ts");
  plan: typeof import("../pipeline/plan.ts");
  fold: typeof import("../pipeline/fold.ts");
  inventory: typeof import("../cluster/inventory.ts");
};

const modules = async (): Promise<Modules> => {
  const [pf, broker, fetch, plan, fold, inventory] = await Promise.all([
    import("../cluster/port-forward.ts"),
    import("../sources/broker/client.ts"),
    import("../sources/broker/fetch.ts"),
    import("../pipeline/plan.ts"),
    import("../pipeline/fold.ts"),
    import("../cluster/inventory.ts"),
  ]);
  return { pf, broker, fetch, plan, fold, inventory };
};

/** The broker's base URL: --broker-url, else a port-forward to a Ready pod behind its Service. */
async function connectBroker(
  f: ClusterFlags,
  target: KubeTarget,
  m: Modules,
  opened: (fwd: Forward, loc: BrokerLocation) => void,
  log?: (line: string) => void,
): Promise<string> {
  if (f.brokerUrl) return f.brokerUrl;
  const loc = await m.pf.findBroker(target.kc, { namespace: f.brokerNamespace, ...(f.brokerService ? { service: f.brokerService } : {}) });
  const forward = await m.pf.openPortForward(target.kc, loc);
  opened(forward, loc);
  log?.(`port-forward ${forward.url} → pod ${loc.namespace}/${loc.pod}:${loc.port} (Service ${loc.service})`);
  return forward.url;
}

function brokerClient(f: ClusterFlags, baseUrl: string, m: Modules, progress: Progress, log?: (line: string) => void): BrokerClient {
  return new m.broker.BrokerClient({
    baseUrl,
    ...(f.brokerToken ? { token: f.brokerToken } : {}),
    timeoutMs: f.requestTimeout,
    retries: 2,
    maxBodyBytes: 512 << 20,
    onBusy: (route, waitMs) => {
      progress.busy(waitMs);
      log?.(`GET ${route}: the broker is busy, waiting ${waitMs} ms as it asked`);
    },
    ...(log ? { log } : {}),
  });
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

export interface StreamOptions {
  /** Fold rows as they arrive with these options; without, they are kept in snapshot.data.rows. */
  resolve?: ResolveOptions;
  /** Names to resolve external addresses with. */
  hostnames?: ParsedHostnames;
  /** Hand each answer's raw records over (a snapshot streams them to its file); rows are then not kept either. */
  onWire?: (index: number, wire: unknown[]) => void;
}

/** What -v says of a plan: pods to read, and departed ones skipped with the reason. */
function describePlan(plan: FetchPlan, log: (line: string) => void): void {
  log(`reading the traffic of ${plan.pods.length} pod(s)`);
  for (const s of plan.skipped) log(`skipped ${s.pods} departed pod(s): ${s.reason}`);
}

/** The catalog, the plan it allows, then each planned pod's answer, folded as it arrives when asked. */
async function readTraffic(
  client: BrokerClient,
  inventory: Inventory,
  scope: Scope,
  window: Omit<FetchWindow, "broker">,
  f: ClusterFlags,
  stream: StreamOptions,
  m: Modules,
  progress: Progress,
  log?: (line: string) => void,
) {
  let plan: FetchPlan | undefined;
  let fold: Fold | undefined;
  const hostnames = stream.hostnames ? mergeHostnames([], stream.hostnames.items) : undefined;
  const fetched = await m.fetch.fetchBrokerData(
    client,
    (catalog) => {
      if (stream.resolve) fold = m.fold.startFold(inventory, { ...catalog, ...(hostnames ? { hostnames } : {}) }, stream.resolve);
      // The fold's index serves the plan too: one index per run.
      plan = m.plan.planFetch(inventory, catalog.pods, scope, { ...window, broker: catalog.broker }, fold?.index);
      if (log) describePlan(plan, log);
      progress.phase("traffic");
      return plan.pods;
    },
    {
      concurrency: f.concurrency,
      keepWire: f.keepWire === true,
      onProgress: (done, total) => progress.pods(done, total),
      ...(stream.resolve ? { onRows: (rows) => fold?.add(rows) } : stream.onWire ? { onRows: () => {} } : {}),
      ...(stream.onWire ? { onWire: stream.onWire } : {}),
    },
  );
  progress.phase("resolve");
  return { fetched, plan: plan as FetchPlan | undefined, folded: (fold as Fold | undefined)?.done(), hostnames };
}

/** Kubeconfig → inventory and broker → the pods the scope needs, folded as they are read when asked. */
export async function loadCluster(
  f: ClusterFlags,
  scopeFor: (ns: string) => Scope,
  io: Io,
  now: number,
  stream: StreamOptions = {},
): Promise<Loaded & { kube: KubeTarget }> {
  const [target, m] = await Promise.all([
    kubeTarget({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }, io),
    modules(),
  ]);
  const log = f.verbose ? (line: string) => io.stderr.write(`${line}\n`) : undefined;
  const progress = progressFor(io);
  log?.(`context ${target.context}, API server ${target.server}`);
  const scope = scopeFor(f.namespace ?? target.namespace);
  let forward: Forward | null = null;
  let location: BrokerLocation | undefined;
  const close = async () => {
    await forward?.close();
  };
  try {
    progress.phase("inventory");
    // The inventory and the broker connection are independent: both at once.
    const [inv, baseUrl] = await Promise.all([
      m.inventory.loadInventory(target.kc, target.server),
      connectBroker(
        f,
        target,
        m,
        (fwd, loc) => {
          forward = fwd;
          location = loc;
        },
        log,
      ),
    ]);
    const client = brokerClient(f, baseUrl, m, progress, log);
    const window = { now, since: stream.resolve?.since, retentionDays: (location as BrokerLocation | undefined)?.retentionDays };
    const { fetched, plan, folded, hostnames } = await readTraffic(client, inv.inventory, scope, window, f, stream, m, progress, log).catch(
      (e) => {
        throw brokerFailure(e, m, (forward as Forward | null)?.lastError());
      },
    );
    const warnings: Warning[] = [...inv.warnings];
    if (plan?.widened) warnings.push({ code: "fetch-widened", message: `reading every pod's traffic: ${plan.widened}` });
    return {
      snapshot: {
        createdAt: now,
        context: target.context,
        data: { ...fetched.data, ...(hostnames ? { hostnames } : {}) },
        inventory: inv.inventory,
        malformed: { ...fetched.malformed, hostnames: stream.hostnames?.malformed ?? 0 },
      },
      ...(folded ? { folded } : {}),
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
    progress.clear();
    await close();
    if (e instanceof m.inventory.ApiUnreachableError || e instanceof m.pf.BrokerLookupError) throw new CliError(e.message);
    throw e;
  }
}
