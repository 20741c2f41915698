// The cluster inventory from the API server: list calls only, each kind degrading to a warning when RBAC
// forbids it. The broker knows neither controllers nor nodes; this fills them in.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Endpoints,
  type V1LabelSelector,
  type V1ObjectMeta,
  type V1OwnerReference,
  type V1Pod,
} from "@kubernetes/client-node";
import type { ContainerPort, Inventory, InventoryPod, InventoryService, Protocol, Warning } from "../model/types.ts";

export class ApiUnreachableError extends Error {}

type ServiceEndpoints = NonNullable<InventoryService["endpoints"]>;

function addresses(ips: (string | undefined)[], ports: { name?: string; port?: number; protocol?: string }[]): ServiceEndpoints {
  return {
    ips: [...new Set(ips.filter((ip): ip is string => !!ip))].sort(),
    ports: [...new Map(ports.filter((p) => p.port !== undefined).map((p) => [`${p.name}/${p.port}/${p.protocol}`, p])).values()].map(
      (p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port as number,
        protocol: proto(p.protocol),
      }),
    ),
  };
}

/** EndpointSlices by the Service they belong to (label kubernetes.io/service-name). */
export function endpointsFromSlices(slices: V1EndpointSlice[]): Map<string, ServiceEndpoints> {
  const bySvc = new Map<string, V1EndpointSlice[]>();
  for (const sl of slices) {
    const svc = sl.metadata?.labels?.["kubernetes.io/service-name"];
    if (!svc) continue;
    const k = `${sl.metadata?.namespace}/${svc}`;
    bySvc.set(k, [...(bySvc.get(k) ?? []), sl]);
  }
  const out = new Map<string, ServiceEndpoints>();
  for (const [k, list] of bySvc) {
    out.set(
      k,
      addresses(
        list.flatMap((sl) => (sl.endpoints ?? []).flatMap((e) => e.addresses)),
        list.flatMap((sl) => sl.ports ?? []),
      ),
    );
  }
  return out;
}

export function endpointsFromEndpoints(endpoints: V1Endpoints[]): Map<string, ServiceEndpoints> {
  return new Map(
    endpoints.map((e) => [
      `${e.metadata?.namespace}/${e.metadata?.name}`,
      addresses(
        (e.subsets ?? []).flatMap((ss) => (ss.addresses ?? []).map((a) => a.ip)),
        (e.subsets ?? []).flatMap((ss) => ss.ports ?? []),
      ),
    ]),
  );
}

interface Listing<T> {
  items: T[];
  metadata?: { _continue?: string };
}

const PAGE = 500;
const proto = (p: string | undefined): Protocol => (p === "UDP" || p === "SCTP" ? p : "TCP");

export interface InventoryResult {
  inventory: Inventory;
  warnings: Warning[];
  requests: number;
}

export async function loadInventory(kc: KubeConfig, server: string): Promise<InventoryResult> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const warnings: Warning[] = [];
  let requests = 0;

  /** Every page of a list; null when RBAC forbids it (with a warning naming the verb and resource). */
  async function list<T>(
    resource: string,
    consequence: string,
    fn: (p: { limit: number; _continue?: string }) => Promise<Listing<T>>,
    quietIfMissing = false,
  ): Promise<T[] | null> {
    const out: T[] = [];
    let cont: string | undefined;
    do {
      requests++;
      let page: Listing<T>;
      try {
        page = await fn({ limit: PAGE, ...(cont ? { _continue: cont } : {}) });
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code === 403) {
          warnings.push({ code: "rbac", message: `cannot list ${resource} in all namespaces (forbidden); ${consequence}` });
          return null;
        }
        if (code === 404 && quietIfMissing) return null;
        if (code === 404) {
          // An older API server without this API version (batch/v1 CronJob before 1.21).
          warnings.push({ code: "api-missing", message: `the API server does not serve ${resource}; ${consequence}` });
          return null;
        }
        if (code === 401)
          throw new ApiUnreachableError(`the API server at ${server} rejected the credentials (401); log in again or check --context`);
        if (typeof code === "number") throw new ApiUnreachableError(`listing ${resource} failed: ${code} from the API server at ${server}`);
        const cause = (e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message.split("\n")[0];
        throw new ApiUnreachableError(`cannot reach the API server at ${server} (${cause}); check the context with 'kubectl cluster-info'`);
      }
      out.push(...page.items);
      cont = page.metadata?._continue || undefined;
    } while (cont);
    return out;
  }

  // Namespaces first, alone: it proves the API server answers before the parallel lists start.
  const namespaces = await list("namespaces", "namespace labels are unknown", (p) => core.listNamespace(p));
  const [nodes, pods, services, slices, rss, deploys, sts, dss, jobs, cronjobs] = await Promise.all([
    list("nodes", "node peers become plain external addresses", (p) => core.listNode(p)),
    list("pods", "no workload can be resolved from the cluster; only the broker's records are used", (p) =>
      core.listPodForAllNamespaces(p),
    ),
    list("services", "Service addresses resolve only through the broker's records", (p) => core.listServiceForAllNamespaces(p)),
    // EndpointSlices, which Kubernetes maintains now; servers before 1.21 serve only Endpoints.
    list(
      "endpointslices.discovery.k8s.io",
      "Services without selectors and the API server cannot be resolved",
      (p) => discovery.listEndpointSliceForAllNamespaces(p),
      true,
    ),
    list("replicasets.apps", "Deployments are inferred from ReplicaSet names", (p) => apps.listReplicaSetForAllNamespaces(p)),
    list("deployments.apps", "Deployment selectors fall back to pod labels", (p) => apps.listDeploymentForAllNamespaces(p)),
    list("statefulsets.apps", "StatefulSet selectors fall back to pod labels", (p) => apps.listStatefulSetForAllNamespaces(p)),
    list("daemonsets.apps", "DaemonSet selectors fall back to pod labels", (p) => apps.listDaemonSetForAllNamespaces(p)),
    list("jobs.batch", "CronJob runs are treated as separate Jobs", (p) => batch.listJobForAllNamespaces(p)),
    list("cronjobs.batch", "CronJob runs are treated as separate Jobs", (p) => batch.listCronJobForAllNamespaces(p)),
  ]);

  const key = (m: V1ObjectMeta | undefined) => `${m?.namespace}/${m?.name}`;
  const controllerOf = (m: V1ObjectMeta | undefined): V1OwnerReference | undefined =>
    m?.ownerReferences?.find((o) => o.controller) ?? m?.ownerReferences?.[0];
  const rsOwner = new Map((rss ?? []).map((r) => [key(r.metadata), controllerOf(r.metadata)]));
  const jobOwner = new Map((jobs ?? []).map((j) => [key(j.metadata), controllerOf(j.metadata)]));

  /** Up the owner chain to the Deployment / StatefulSet / DaemonSet / Job / CronJob. */
  const topOwner = (pod: V1Pod): { kind: string; name: string } | undefined => {
    const ref = controllerOf(pod.metadata);
    if (!ref) return undefined;
    const ns = pod.metadata?.namespace;
    if (ref.kind === "ReplicaSet") {
      if (rss) {
        const up = rsOwner.get(`${ns}/${ref.name}`);
        return up ? { kind: up.kind, name: up.name } : { kind: "ReplicaSet", name: ref.name };
      }
      const hash = pod.metadata?.labels?.["pod-template-hash"];
      if (hash && ref.name.endsWith(`-${hash}`)) return { kind: "Deployment", name: ref.name.slice(0, -hash.length - 1) };
    }
    if (ref.kind === "Job") {
      const up = jobOwner.get(`${ns}/${ref.name}`);
      if (up?.kind === "CronJob") return { kind: "CronJob", name: up.name };
    }
    return { kind: ref.kind, name: ref.name };
  };

  // Only plain matchLabels selectors are used as-is; matchExpressions would be widened by dropping them.
  const matchLabels = (s: V1LabelSelector | undefined) => (s?.matchLabels && !s.matchExpressions?.length ? s.matchLabels : null);
  const workloads: Inventory["workloads"] = [];
  for (const [kind, items] of [
    ["Deployment", deploys],
    ["StatefulSet", sts],
    ["DaemonSet", dss],
  ] as const) {
    for (const w of items ?? []) {
      workloads.push({
        kind,
        name: w.metadata?.name ?? "",
        namespace: w.metadata?.namespace ?? "",
        selector: matchLabels(w.spec?.selector),
      });
    }
  }
  for (const r of rss ?? []) {
    if (!controllerOf(r.metadata))
      workloads.push({
        kind: "ReplicaSet",
        name: r.metadata?.name ?? "",
        namespace: r.metadata?.namespace ?? "",
        selector: matchLabels(r.spec?.selector),
      });
  }
  // Job selectors are generated per run (controller-uid): their pods are selected by stable labels instead.
  for (const j of jobs ?? [])
    workloads.push({ kind: "Job", name: j.metadata?.name ?? "", namespace: j.metadata?.namespace ?? "", selector: null });
  for (const c of cronjobs ?? [])
    workloads.push({ kind: "CronJob", name: c.metadata?.name ?? "", namespace: c.metadata?.namespace ?? "", selector: null });

  const invPods: InventoryPod[] = [];
  for (const p of pods ?? []) {
    if (p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
    const ips = (p.status?.podIPs?.map((x) => x.ip) ?? (p.status?.podIP ? [p.status.podIP] : [])).filter(Boolean) as string[];
    const owner = topOwner(p);
    const containerPorts: ContainerPort[] = [];
    for (const c of [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])]) {
      for (const cp of c.ports ?? [])
        containerPorts.push({ ...(cp.name ? { name: cp.name } : {}), port: cp.containerPort, protocol: proto(cp.protocol) });
    }
    invPods.push({
      name: p.metadata?.name ?? "",
      namespace: p.metadata?.namespace ?? "",
      ips,
      labels: p.metadata?.labels ?? {},
      ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
      hostNetwork: p.spec?.hostNetwork === true,
      ...(owner ? { owner } : {}),
      containerPorts,
      ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
      ...(p.metadata?.creationTimestamp ? { createdAt: new Date(p.metadata.creationTimestamp).toISOString() } : {}),
    });
  }

  const eps =
    slices !== null
      ? endpointsFromSlices(slices)
      : endpointsFromEndpoints(
          (await list("endpoints", "Services without selectors and the API server cannot be resolved", (p) =>
            core.listEndpointsForAllNamespaces(p),
          )) ?? [],
        );
  const invServices: InventoryService[] = [];
  for (const s of services ?? []) {
    const ips = (s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])).filter((ip) => ip && ip !== "None");
    if (ips.length === 0) continue; // headless and ExternalName Services have no ClusterIP to resolve
    const ep = eps.get(key(s.metadata));
    invServices.push({
      name: s.metadata?.name ?? "",
      namespace: s.metadata?.namespace ?? "",
      clusterIPs: ips,
      selector: s.spec?.selector && Object.keys(s.spec.selector).length > 0 ? s.spec.selector : null,
      ports: (s.spec?.ports ?? []).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        targetPort: (p.targetPort as number | string | undefined) ?? p.port,
        protocol: proto(p.protocol),
      })),
      ...(ep && ep.ips.length > 0 ? { endpoints: ep } : {}),
    });
  }

  const inventory: Inventory = {
    namespaces: (namespaces ?? []).map((n) => ({ name: n.metadata?.name ?? "", labels: n.metadata?.labels ?? {} })),
    nodes: (nodes ?? []).map((n) => ({
      name: n.metadata?.name ?? "",
      addresses: (n.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
    })),
    workloads,
    pods: invPods,
    services: invServices,
  };
  return { inventory, warnings, requests };
}
