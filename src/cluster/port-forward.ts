// Finds the kguardian broker in the cluster and forwards an ephemeral local port to it, like
// `kubectl port-forward`, over the API server's WebSocket port-forward.
import net from "node:net";
import { Writable } from "node:stream";
import { CoreV1Api, type KubeConfig, PortForward, type V1Pod, type V1Service } from "@kubernetes/client-node";

export const BROKER_LABEL = "app.kubernetes.io/name=kguardian-broker";
const BROKER_NAMES = ["kguardian-broker", "broker"];

export class BrokerLookupError extends Error {}

export interface BrokerLocation {
  namespace: string;
  service: string;
  pod: string;
  port: number;
  /** The broker's POD_TRAFFIC_RETENTION_DAYS, when its pod spec sets it literally. */
  retentionDays?: number;
}

/** A literal env value of the pod's containers (valueFrom is not followed). */
function envOf(pod: V1Pod, name: string): string | undefined {
  for (const c of pod.spec?.containers ?? []) for (const e of c.env ?? []) if (e.name === name && e.value !== undefined) return e.value;
  return undefined;
}

const code = (e: unknown) => (e as { code?: number }).code;

/** API errors as one line naming what was refused; 404 is left to the caller. */
async function api<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const c = code(e);
    if (c === 403) throw new BrokerLookupError(`cannot ${what}: forbidden for your user; ask for that permission, or pass --broker-url`);
    if (typeof c === "number" && c !== 404) throw new BrokerLookupError(`cannot ${what}: the API server answered ${c}`);
    throw e;
  }
}

async function findService(core: CoreV1Api, namespace: string, name?: string): Promise<V1Service> {
  if (name) {
    try {
      return await api(`get service ${namespace}/${name}`, () => core.readNamespacedService({ namespace, name }));
    } catch (e) {
      if (code(e) === 404)
        throw new BrokerLookupError(`broker Service ${namespace}/${name} not found; check --broker-service and --broker-namespace`);
      throw e;
    }
  }
  // By name first: a plain GET needs no right to list Services, and the chart names it so.
  for (const n of BROKER_NAMES) {
    try {
      return await api(`get service ${namespace}/${n}`, () => core.readNamespacedService({ namespace, name: n }));
    } catch (e) {
      if (code(e) !== 404) throw e;
    }
  }
  // The chart puts app.kubernetes.io/name on the Service's selector (and its pods), not on the Service.
  const all = await api(`list services in namespace ${namespace}`, () => core.listNamespacedService({ namespace }));
  const [key, value] = BROKER_LABEL.split("=") as [string, string];
  const hit = all.items
    .filter((s) => s.spec?.selector?.[key] === value || s.metadata?.labels?.[key] === value)
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))[0];
  if (hit) return hit;
  throw new BrokerLookupError(
    `kguardian broker Service not found in namespace "${namespace}" (tried names ${BROKER_NAMES.join(", ")}, then a selector or label ${BROKER_LABEL}); ` +
      "install kguardian, or pass --broker-namespace / --broker-service, or --broker-url",
  );
}

const isReady = (p: V1Pod) =>
  p.status?.phase === "Running" && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/** Service → a Ready pod → the container port behind the Service's targetPort (named or numeric). */
export async function findBroker(kc: KubeConfig, o: { namespace: string; service?: string }): Promise<BrokerLocation> {
  const core = kc.makeApiClient(CoreV1Api);
  const svc = await findService(core, o.namespace, o.service);
  const name = svc.metadata?.name as string;
  const ports = svc.spec?.ports ?? [];
  const sp = ports.find((p) => p.name === "http") ?? ports.find((p) => p.port === 9090) ?? ports[0];
  if (!sp) throw new BrokerLookupError(`broker Service ${o.namespace}/${name} has no ports`);
  const selector = svc.spec?.selector ?? {};
  if (Object.keys(selector).length === 0)
    throw new BrokerLookupError(`broker Service ${o.namespace}/${name} has no selector, so no pod to forward to; pass --broker-url`);
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = (await api(`list pods in namespace ${o.namespace}`, () => core.listNamespacedPod({ namespace: o.namespace, labelSelector })))
    .items;
  const pod = pods.filter(isReady).sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))[0];
  if (!pod) {
    throw new BrokerLookupError(
      `no Ready broker pod behind Service ${o.namespace}/${name} (${pods.length} pod(s) match ${labelSelector}); check 'kubectl -n ${o.namespace} get pods -l ${labelSelector}'`,
    );
  }
  const target = sp.targetPort ?? sp.port;
  let port: number | undefined;
  if (typeof target === "number") port = target;
  else if (/^\d+$/.test(String(target))) port = Number(target);
  else {
    for (const c of pod.spec?.containers ?? []) for (const cp of c.ports ?? []) if (cp.name === target) port = cp.containerPort;
    if (port === undefined)
      throw new BrokerLookupError(`broker pod ${o.namespace}/${pod.metadata?.name} declares no container port named "${target}"`);
  }
  const retention = envOf(pod, "POD_TRAFFIC_RETENTION_DAYS")?.trim();
  return {
    namespace: o.namespace,
    service: name,
    pod: pod.metadata?.name as string,
    port,
    ...(retention && /^\d+$/.test(retention) ? { retentionDays: Number(retention) } : {}),
  };
}

export interface Forward {
  url: string;
  /** The last failure of the forward (refused upgrade, error channel), for error messages. */
  lastError(): string | null;
  close(): Promise<void>;
}

/** Listens on an ephemeral loopback port; each connection gets its own WebSocket forward to the pod. */
export async function openPortForward(kc: KubeConfig, loc: BrokerLocation): Promise<Forward> {
  const pf = new PortForward(kc, true);
  let last: string | null = null;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const err = new Writable({
      write(chunk: Buffer, _enc, done) {
        // The error channel's first frame carries only the port number, which arrives here empty.
        if (chunk.length > 0) {
          last = String(chunk);
          socket.destroy();
        }
        done();
      },
    });
    pf.portForward(loc.namespace, loc.pod, [loc.port], socket, err, socket)
      .then((ws) => {
        // The pod side closed: end the local connection too, as kubectl does.
        (ws as unknown as { on(e: string, f: () => void): void }).on("close", () => socket.end());
      })
      .catch((e: Error & { code?: number }) => {
        last = (e.message ?? String(e)).split("\n")[0] ?? "port-forward failed";
        socket.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lastError: () => last,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
