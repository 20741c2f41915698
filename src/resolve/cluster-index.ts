// Lookup tables over the inventory and the broker's pod/service history, built once per run.

import type { ClusterIndex, PodIdentity } from "../model/cluster.ts";
import { workloadKey } from "../model/keys.ts";
import { isEmpty, matches, stableLabels } from "../model/selector.ts";
import {
  AGENT_DEFAULTS,
  type BrokerPod,
  type Inventory,
  type InventoryService,
  type Labels,
  type TrafficData,
  type WorkloadRef,
} from "../model/types.ts";
import { hostCidr, parseIp } from "./ip.ts";

const podKey = (ns: string, name: string): string => `${ns}/${name}`;

// Kinds whose spec.selector is stable across rollouts.
const SELECTOR_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]);

/** Owner of a pod known only to the broker: a ReplicaSet named <deploy>-<pod-template-hash> belongs to <deploy>. */
function ownerFromBroker(p: BrokerPod): { kind: string; name: string } | undefined {
  // 1.20 names the top controller itself.
  if (p.workload) return p.workload;
  const ref = p.ownerReferences[0];
  if (!ref) return undefined;
  const hash = p.labels["pod-template-hash"];
  if (ref.kind === "ReplicaSet" && hash && ref.name.endsWith(`-${hash}`)) {
    return { kind: "Deployment", name: ref.name.slice(0, -hash.length - 1) };
  }
  return { kind: ref.kind, name: ref.name };
}

function findDns(services: InventoryService[]): InventoryService | null {
  const byName = (ns: string, name: string) => services.find((s) => s.namespace === ns && s.name === name);
  return (
    byName("kube-system", "kube-dns") ??
    byName("openshift-dns", "dns-default") ??
    services.find((s) => s.selector?.["k8s-app"] === "kube-dns") ??
    null
  );
}

/** Every pod the inventory and the broker know, by name and by each of its addresses (dual-stack too). */
function indexPods(inv: Inventory, data: TrafficData, workloadSelectors: Map<string, Labels | null>) {
  const identity = (
    name: string,
    namespace: string,
    labels: Labels,
    owner: { kind: string; name: string } | undefined,
    rest: Pick<PodIdentity, "ips" | "hostNetwork" | "nodeName" | "containerPorts" | "since" | "live" | "lastSeen">,
  ): PodIdentity => {
    const workload: WorkloadRef = owner ? { kind: owner.kind, name: owner.name, namespace } : { kind: "Pod", name, namespace };
    const own = workloadSelectors.get(workloadKey(workload));
    const stable = stableLabels(labels, workload.kind);
    const selector = own && SELECTOR_KINDS.has(workload.kind) && !isEmpty(own) ? own : isEmpty(stable) ? null : stable;
    return { name, namespace, workload, selector, labels, ...rest };
  };
  const podsByName = new Map<string, PodIdentity>();
  const podsByIp = new Map<string, PodIdentity[]>();
  const addIp = (ip: string, id: PodIdentity) => {
    const p = parseIp(ip);
    if (!p) return;
    const list = podsByIp.get(p.text) ?? [];
    list.push(id);
    podsByIp.set(p.text, list);
  };
  for (const p of inv.pods) {
    const since = p.createdAt ? Date.parse(p.createdAt) : 0;
    const id = identity(p.name, p.namespace, p.labels, p.owner, {
      ips: p.ips,
      hostNetwork: p.hostNetwork,
      ...(p.nodeName ? { nodeName: p.nodeName } : {}),
      containerPorts: p.containerPorts,
      since: Number.isNaN(since) ? 0 : since,
      live: true,
    });
    podsByName.set(podKey(p.namespace, p.name), id);
    for (const ip of p.ips) addIp(ip, id);
  }
  for (const p of data.pods) {
    const key = podKey(p.namespace, p.name);
    const live = podsByName.get(key);
    // When it held its addresses: its start (1.20's started_at), else when the broker recorded it.
    const since = p.startedAt ?? p.time;
    if (live) {
      // The broker may remember an older IP of a live pod.
      for (const ip of p.ips) if (!podsByIp.get(parseIp(ip)?.text ?? "")?.includes(live)) addIp(ip, { ...live, since });
      continue;
    }
    const id = identity(p.name, p.namespace, p.labels, ownerFromBroker(p), {
      ips: p.ips,
      hostNetwork: p.hostNetwork,
      nodeName: p.nodeName,
      containerPorts: [],
      since,
      lastSeen: p.time,
      // Without an inventory (broker-only data) the broker's own liveness is the best we have.
      live: inv.pods.length === 0 && !p.isDead,
    });
    podsByName.set(key, id);
    for (const ip of p.ips) addIp(ip, id);
  }
  for (const list of podsByIp.values()) list.sort((a, b) => a.since - b.since || (a.live ? 1 : 0) - (b.live ? 1 : 0));
  return { podsByName, podsByIp };
}

function liveByWorkload(podsByName: Map<string, PodIdentity>): Map<string, PodIdentity[]> {
  const out = new Map<string, PodIdentity[]>();
  for (const id of podsByName.values()) {
    if (!id.live) continue;
    const k = workloadKey(id.workload);
    const list = out.get(k) ?? [];
    list.push(id);
    out.set(k, list);
  }
  return out;
}

/** The inventory's Services, and those only the broker remembers; by each cluster IP. */
function indexServices(inv: Inventory, data: TrafficData) {
  const services: InventoryService[] = [...inv.services];
  const known = new Set(services.flatMap((s) => s.clusterIPs.map((ip) => parseIp(ip)?.text)));
  for (const s of data.services) {
    const ip = parseIp(s.ip)?.text;
    if (!ip || known.has(ip)) continue;
    services.push({ name: s.name, namespace: s.namespace, clusterIPs: [ip], selector: s.selector, ports: s.ports });
  }
  const servicesByIp = new Map<string, InventoryService>();
  for (const s of services)
    for (const ip of s.clusterIPs) {
      const p = parseIp(ip);
      if (p) servicesByIp.set(p.text, s);
    }
  return { services, servicesByIp };
}

function nodesByIp(inv: Inventory): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of inv.nodes)
    for (const a of n.addresses) {
      const p = parseIp(a.address);
      if (p && (a.type === "InternalIP" || a.type === "ExternalIP")) out.set(p.text, n.name);
    }
  return out;
}

/** The kubernetes Service and the API server's endpoints behind it. */
function apiServerOf(services: InventoryService[]): ClusterIndex["apiServer"] {
  const kube = services.find((s) => s.namespace === "default" && s.name === "kubernetes");
  if (!kube) return null;
  const eps = (kube.endpoints?.ips ?? []).map(parseIp).filter((p) => p !== null);
  return {
    clusterIPs: new Set(kube.clusterIPs.map((ip) => parseIp(ip)?.text ?? ip)),
    endpointIps: new Set(eps.map((p) => p.text)),
    cidrs: [...new Set(eps.map(hostCidr))].sort(),
    ports: kube.endpoints?.ports ?? [],
  };
}

export function buildIndex(inv: Inventory, data: TrafficData): ClusterIndex {
  const workloadSelectors = new Map<string, Labels | null>();
  for (const w of inv.workloads) workloadSelectors.set(workloadKey(w), w.selector);
  const { podsByName, podsByIp } = indexPods(inv, data, workloadSelectors);
  const podsByWorkload = liveByWorkload(podsByName);
  const liveByNamespace = new Map<string, PodIdentity[]>();
  for (const p of podsByName.values()) {
    if (!p.live) continue;
    const ns = liveByNamespace.get(p.namespace);
    if (ns) ns.push(p);
    else liveByNamespace.set(p.namespace, [p]);
  }
  selectByAbsence([...podsByName.values(), ...[...podsByIp.values()].flat()], podsByWorkload, liveByNamespace);
  const { services, servicesByIp } = indexServices(inv, data);
  return {
    podsByName,
    podsByIp,
    servicesByIp,
    nodesByIp: nodesByIp(inv),
    apiServer: apiServerOf(services),
    dns: findDns(services),
    podsByWorkload,
    liveByNamespace,
    workloadSelectors,
    namespaceLabels: new Map(inv.namespaces.map((n) => [n.name, n.labels])),
    agent: inv.agent ?? AGENT_DEFAULTS,
  };
}

/**
 * A workload whose pods have no usable labels is selected by what they lack: DoesNotExist over every
 * label key the namespace's other live pods use and its own do not, when that picks exactly its live
 * pods now. Otherwise (or when there is no such key, which would be an empty selector) it stays null.
 */
function selectByAbsence(ids: PodIdentity[], podsByWorkload: Map<string, PodIdentity[]>, liveByNs: Map<string, PodIdentity[]>): void {
  const found = new Map<string, string[] | null>();
  for (const id of ids) {
    if (id.selector !== null || id.hostNetwork) continue;
    const k = workloadKey(id.workload);
    let keys = found.get(k);
    if (keys === undefined) {
      keys = absentKeys(liveByNs.get(id.namespace) ?? [], k, [id, ...(podsByWorkload.get(k) ?? [])]);
      found.set(k, keys);
    }
    if (keys) {
      id.selector = {};
      id.absent = keys;
    }
  }
}

function absentKeys(nsPods: PodIdentity[], key: string, own: PodIdentity[]): string[] | null {
  const ownKeys = new Set(own.flatMap((p) => Object.keys(p.labels)));
  const others = nsPods.filter((p) => workloadKey(p.workload) !== key);
  const keys = [...new Set(others.flatMap((p) => Object.keys(p.labels)).filter((k) => !ownKeys.has(k)))].sort();
  if (keys.length === 0) return null;
  return others.every((p) => keys.some((k) => Object.hasOwn(p.labels, k))) ? keys : null;
}

/** The pod that held `ip` at time `t`: the newest holder that started before t, else the oldest one. */
export function podAt(index: ClusterIndex, ip: string, t: number): PodIdentity | undefined {
  const list = index.podsByIp.get(ip);
  if (!list || list.length === 0) return undefined;
  let best: PodIdentity | undefined;
  for (const p of list) if (p.since <= t) best = p;
  return best ?? list[0];
}

/** Live pods that a Service's selector picks, in its namespace. */
export function backingPods(index: ClusterIndex, svc: InventoryService): PodIdentity[] {
  if (!svc.selector) return [];
  const sel = svc.selector;
  const out: PodIdentity[] = [];
  for (const p of index.liveByNamespace.get(svc.namespace) ?? []) if (matches(sel, p.labels)) out.push(p);
  return out;
}
