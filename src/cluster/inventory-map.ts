// The API server's objects as the inventory the pipeline reads: owners resolved to the top controller,
// selectors kept only when they are plain matchLabels, endpoints from EndpointSlices or Endpoints. Pure.
import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1EndpointSlice,
  V1Endpoints,
  V1Job,
  V1LabelSelector,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
} from "@kubernetes/client-node";
import {
  AGENT_DEFAULTS,
  type AgentSettings,
  type ContainerPort,
  type Inventory,
  type InventoryPod,
  type InventoryService,
  type Protocol,
} from "../model/types.ts";

export const proto = (p: string | undefined): Protocol => (p === "UDP" || p === "SCTP" ? p : "TCP");
const key = (m: V1ObjectMeta | undefined) => `${m?.namespace}/${m?.name}`;
const controllerOf = (m: V1ObjectMeta | undefined): V1OwnerReference | undefined =>
  m?.ownerReferences?.find((o) => o.controller) ?? m?.ownerReferences?.[0];

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

export interface Controllers {
  rss: V1ReplicaSet[] | null;
  deploys: V1Deployment[] | null;
  sts: V1StatefulSet[] | null;
  dss: V1DaemonSet[] | null;
  jobs: V1Job[] | null;
  cronjobs: V1CronJob[] | null;
}

/** Up the owner chain to the Deployment / StatefulSet / DaemonSet / Job / CronJob. */
export function ownerResolver(c: Pick<Controllers, "rss" | "jobs">): (pod: V1Pod) => { kind: string; name: string } | undefined {
  const rsOwner = new Map((c.rss ?? []).map((r) => [key(r.metadata), controllerOf(r.metadata)]));
  const jobOwner = new Map((c.jobs ?? []).map((j) => [key(j.metadata), controllerOf(j.metadata)]));
  return (pod) => {
    const ref = controllerOf(pod.metadata);
    if (!ref) return undefined;
    const ns = pod.metadata?.namespace;
    if (ref.kind === "ReplicaSet") {
      if (c.rss) {
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
}

/**
 * The agent's settings from its controller DaemonSet's env (EXCLUDED_NAMESPACES, IGNORE_DAEMONSET_TRAFFIC),
 * when the user may list it; undefined leaves the defaults.
 */
export function toAgent(dss: V1DaemonSet[] | null): AgentSettings | undefined {
  for (const ds of dss ?? []) {
    for (const c of ds.spec?.template.spec?.containers ?? []) {
      const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
      if (!env.has("EXCLUDED_NAMESPACES") && !env.has("IGNORE_DAEMONSET_TRAFFIC")) continue;
      const excluded = env.get("EXCLUDED_NAMESPACES");
      return {
        excludedNamespaces:
          excluded === undefined
            ? AGENT_DEFAULTS.excludedNamespaces
            : excluded
                .split(",")
                .map((n) => n.trim())
                .filter(Boolean),
        ignoreDaemonSetTraffic: (env.get("IGNORE_DAEMONSET_TRAFFIC") ?? "true").trim().toLowerCase() !== "false",
        source: `daemonset ${ds.metadata?.namespace}/${ds.metadata?.name}`,
      };
    }
  }
  return undefined;
}

export function toWorkloads(c: Controllers): Inventory["workloads"] {
  const { rss, deploys, sts, dss, jobs, cronjobs } = c;
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

  return workloads;
}

export function toPods(pods: V1Pod[], topOwner: (pod: V1Pod) => { kind: string; name: string } | undefined): InventoryPod[] {
  const invPods: InventoryPod[] = [];
  for (const p of pods) {
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

  return invPods;
}

export function toServices(services: V1Service[], eps: Map<string, ServiceEndpoints>): InventoryService[] {
  const invServices: InventoryService[] = [];
  for (const s of services) {
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

  return invServices;
}
