// A seeded synthetic cluster with history: namespaces, Deployments rolled out several times (the
// departed replicas stay in the broker's /pod/info, their rows part of the total), Services (numeric
// and named target ports), CoreDNS, the API server, external peers, and traffic rows with realistic
// fan-out, seen from both ends for TCP and from the client only for UDP. Served as a 1.20 broker does:
// pod_ips, started_at, last-seen time stamps, identity stamped at capture. Same seed, same cluster.
import type { BrokerPod, Inventory, InventoryPod, TrafficData, TrafficRow } from "../src/model/types.ts";
import type { PodDetailWire, PodTrafficWire, SvcDetailWire } from "../src/sources/broker/schema.ts";
import { PRUNE_SLACK_MS } from "../src/pipeline/plan.ts";

export interface SynthSize {
  name: string;
  namespaces: number;
  workloads: number;
  /** Live pods. */
  pods: number;
  rows: number;
  /** Departed replicas per live pod, on average (rollouts over the last 30 days). */
  deadPerLive?: number;
}

export const SIZES: Record<string, SynthSize> = {
  small: { name: "small", namespaces: 5, workloads: 25, pods: 100, rows: 20_000, deadPerLive: 4 },
  medium: { name: "medium", namespaces: 10, workloads: 200, pods: 1_000, rows: 200_000, deadPerLive: 4 },
  large: { name: "large", namespaces: 20, workloads: 1_000, pods: 5_000, rows: 1_000_000, deadPerLive: 4 },
  xlarge: { name: "xlarge", namespaces: 40, workloads: 4_000, pods: 20_000, rows: 4_000_000, deadPerLive: 4 },
};

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
/** The broker's POD_TRAFFIC_RETENTION_DAYS default: departed pods' older rows are pruned. */
const RETENTION = 14 * DAY;
export const T0 = Date.parse("2026-05-12T10:00:00Z");
const naive = (ms: number) => new Date(ms).toISOString().replace("Z", "");

/** One replica set of a workload's history: its pods and when they ran. */
interface Generation {
  pods: InventoryPod[];
  from: number;
  to: number;
  live: boolean;
}
interface W {
  ns: string;
  name: string;
  port: number;
  gens: Generation[];
  svcIp?: string;
  svcPort?: number;
}

export interface Synth {
  inventory: Inventory;
  /** Every pod the broker lists, live and departed. */
  brokerPods: BrokerPod[];
  /** Departed pods, and those of them whose rows the broker still holds. */
  dead: { pods: number; withRows: number; mayHoldRows: number };
  /** The rows, generated anew on each call (same sequence). */
  eachRow(fn: (r: TrafficRow) => void): void;
  /** The rows in memory, with pods and Services, as a snapshot holds them. */
  data(): TrafficData;
  /** The same cluster as the broker would serve it. */
  wire(): { pods: PodDetailWire[]; services: SvcDetailWire[]; traffic: PodTrafficWire[] };
  /** /pod/info and /svc/info as the broker serves them. */
  catalog(): { pods: PodDetailWire[]; services: SvcDetailWire[] };
}

function cluster(size: SynthSize, r: () => number, now: number) {
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)] as T;
  const inv: Inventory = { namespaces: [], nodes: [], workloads: [], pods: [], services: [] };
  for (let i = 0; i < size.namespaces; i++) inv.namespaces.push({ name: `team-${i}`, labels: { "kubernetes.io/metadata.name": `team-${i}` } });
  inv.namespaces.push({ name: "kube-system", labels: { "kubernetes.io/metadata.name": "kube-system" } }, { name: "default", labels: { "kubernetes.io/metadata.name": "default" } });
  const nodes = Math.max(3, Math.ceil(size.pods / 50));
  for (let i = 0; i < nodes; i++) inv.nodes.push({ name: `node-${i}`, addresses: [{ type: "InternalIP", address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}` }] });
  let ip = 0;
  const nextIp = () => {
    ip++;
    const n = ip + Math.floor(ip / 255) + 1; // no .0 host byte
    return `10.${244 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  };
  const ws: W[] = [];
  const perWorkload = Math.max(1, Math.round(size.pods / size.workloads));
  const deadAvg = size.deadPerLive ?? 0;
  for (let i = 0; i < size.workloads; i++) {
    const ns = `team-${i % size.namespaces}`;
    const name = `svc-${i}`;
    const port = pick([80, 443, 5432, 6379, 8080, 9000, 9090]);
    // Rollouts: 0..2×average departed generations over the last 30 days, the live one since the last.
    const rollouts = Array.from({ length: Math.floor(r() * (2 * deadAvg + 1)) }, () => now - 3_600_000 - Math.floor(r() * 30 * DAY)).sort((a, b) => a - b);
    const starts = [now - 35 * DAY, ...rollouts];
    const gens: Generation[] = starts.map((from, g) => {
      const live = g === starts.length - 1;
      const hash = ((i * 2654435761 + g * 40503) >>> 0).toString(16).slice(-9).padStart(9, "a");
      const pods = Array.from({ length: perWorkload }, (_, k) => ({
        name: `${name}-${hash}-${k.toString(36).padStart(5, "x")}`,
        namespace: ns,
        ips: [nextIp()],
        labels: { app: name, team: ns, "pod-template-hash": hash },
        nodeName: `node-${(i + k) % nodes}`,
        hostNetwork: false,
        owner: { kind: "Deployment", name },
        containerPorts: [{ name: "http", port, protocol: "TCP" as const }],
        ready: true,
        createdAt: new Date(Math.floor(from / 1000) * 1000).toISOString(),
      }));
      return { pods, from, to: live ? now : (starts[g + 1] as number), live };
    });
    inv.workloads.push({ kind: "Deployment", name, namespace: ns, selector: { app: name } });
    inv.pods.push(...(gens.at(-1) as Generation).pods);
    const w: W = { ns, name, port, gens };
    if (r() < 0.7) {
      w.svcIp = `10.96.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`;
      w.svcPort = port === 443 ? 443 : 80;
      inv.services.push({ name, namespace: ns, clusterIPs: [w.svcIp], selector: { app: name }, ports: [{ name: "http", port: w.svcPort, targetPort: r() < 0.5 ? "http" : port, protocol: "TCP" }] });
    }
    ws.push(w);
  }
  return { inv, ws, nextIp, pick };
}

function platform(inv: Inventory, nextIp: () => string): InventoryPod[] {
  // CoreDNS and the API server, as every cluster has them.
  const dnsPods: InventoryPod[] = [0, 1].map((k) => ({
    name: `coredns-5d78c9869d-${k}abcd`,
    namespace: "kube-system",
    ips: [nextIp()],
    labels: { "k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d" },
    nodeName: "node-0",
    hostNetwork: false,
    owner: { kind: "Deployment", name: "coredns" },
    containerPorts: [
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
    ],
    ready: true,
  }));
  inv.pods.push(...dnsPods);
  inv.workloads.push({ kind: "Deployment", name: "coredns", namespace: "kube-system", selector: { "k8s-app": "kube-dns" } });
  inv.services.push(
    {
      name: "kube-dns",
      namespace: "kube-system",
      clusterIPs: ["10.96.0.10"],
      selector: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, targetPort: "dns", protocol: "UDP" },
        { name: "dns-tcp", port: 53, targetPort: "dns-tcp", protocol: "TCP" },
      ],
    },
    {
      name: "kubernetes",
      namespace: "default",
      clusterIPs: ["10.96.0.1"],
      selector: null,
      ports: [{ name: "https", port: 443, targetPort: 6443, protocol: "TCP" }],
      endpoints: { ips: ["10.0.0.1"], ports: [{ name: "https", port: 6443, protocol: "TCP" }] },
    },
  );
  return dnsPods;
}

export function synthesise(size: SynthSize, o: { seed?: number; now?: number } = {}): Synth {
  const now = o.now ?? T0 + 30 * DAY;
  const seed = o.seed ?? 42;
  const r = rng(seed);
  const { inv, ws, nextIp } = cluster(size, r, now);
  platform(inv, nextIp);
  const byWorkload = new Map(ws.map((w) => [`${w.ns}/${w.name}`, w]));
  const brokerPods: BrokerPod[] = [];
  // withRows: the broker holds rows of theirs; mayHoldRows: it may, as a pruner running hourly sees it.
  const dead = { pods: 0, withRows: 0, mayHoldRows: 0 };
  for (const p of inv.pods) {
    const w = byWorkload.get(`${p.namespace}/${p.owner?.name}`);
    const gen = w?.gens.at(-1);
    brokerPods.push(brokerPod(p, gen?.from ?? now - 35 * DAY, now - 30_000, false));
  }
  for (const w of ws)
    for (const g of w.gens) {
      if (g.live) continue;
      for (const p of g.pods) brokerPods.push(brokerPod(p, g.from, g.to, true));
      dead.pods += g.pods.length;
      if (g.to >= now - RETENTION) dead.withRows += g.pods.length;
      if (g.to >= now - RETENTION - PRUNE_SLACK_MS) dead.mayHoldRows += g.pods.length;
    }
  const rowSeed = Math.floor(r() * 2 ** 31);
  const eachRow = (fn: (row: TrafficRow) => void) => rows(size, ws, now, rowSeed, fn);
  const services = inv.services.filter((s) => s.selector);
  return {
    inventory: inv,
    brokerPods,
    dead,
    eachRow,
    data: () => {
      const all: TrafficRow[] = [];
      eachRow((x) => all.push(x));
      return { broker: "1.20", pods: brokerPods, services: [], rows: all };
    },
    wire: () => {
      const traffic: PodTrafficWire[] = [];
      eachRow((x) => traffic.push(wireRow(x)));
      return { pods: brokerPods.map(wirePod), services: services.map((s) => wireService(s, now)), traffic };
    },
    catalog: () => ({ pods: brokerPods.map(wirePod), services: services.map((s) => wireService(s, now)) }),
  };
}

function brokerPod(p: InventoryPod, from: number, to: number, isDead: boolean): BrokerPod {
  return {
    name: p.name,
    namespace: p.namespace,
    ip: p.ips[0] as string,
    ips: p.ips,
    labels: p.labels,
    ownerReferences: [{ kind: "ReplicaSet", name: `${p.owner?.name}-${p.labels["pod-template-hash"]}` }],
    workload: { kind: "Deployment", name: p.owner?.name as string },
    nodeName: p.nodeName ?? "",
    hostNetwork: false,
    isDead,
    time: to,
    startedAt: Math.floor(from / 1000) * 1000,
  };
}

/** Rows of the last 14 days: each at a time both of its pods ran. */
function rows(size: SynthSize, ws: W[], now: number, seed: number, fn: (r: TrafficRow) => void): void {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)] as T;
  const at = (w: W, t: number) => (w.gens.find((g) => g.from <= t && t < g.to) ?? (w.gens.at(-1) as Generation)).pods;
  const externals = Array.from({ length: 200 }, (_, i) => `198.51.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`);
  const edges = ws.map(() => Array.from({ length: 2 + Math.floor(r() * 4) }, () => Math.floor(r() * ws.length)));
  let uuid = 0;
  const push = (p: InventoryPod, type: "INGRESS" | "EGRESS", peer: string, port: number, protocol: string, t: number, stamp?: TrafficRow["peer"]) => {
    uuid++;
    fn({
      uuid: `00000000-0000-4000-8000-${uuid.toString(16).padStart(12, "0")}`,
      podName: p.name,
      podNamespace: p.namespace,
      podIp: p.ips[0] as string,
      podPort: type === "INGRESS" ? String(port) : "0",
      protocol,
      trafficType: type,
      peerIp: peer,
      peerPort: type === "INGRESS" ? "0" : String(port),
      decision: "ALLOW",
      time: t,
      ...(stamp ? { peer: stamp } : {}),
    });
  };
  const podStamp = (p: InventoryPod): TrafficRow["peer"] => ({ kind: "pod", namespace: p.namespace, name: p.name, workload: { kind: "Deployment", name: p.owner?.name as string } });
  const svc = (namespace: string, name: string): TrafficRow["peer"] => ({ kind: "service", namespace, name });
  let n = 0;
  while (n < size.rows) {
    const a = Math.floor(r() * ws.length);
    const src = ws[a] as W;
    const t = now - Math.floor(r() * RETENTION);
    const client = pick(at(src, t));
    const roll = r();
    if (roll < 0.1) push(client, "EGRESS", "10.96.0.10", 53, "UDP", t, svc("kube-system", "kube-dns"));
    else if (roll < 0.13) push(client, "EGRESS", pick(externals), 443, "TCP", t);
    else if (roll < 0.14) push(client, "EGRESS", "10.96.0.1", 443, "TCP", t, svc("default", "kubernetes"));
    else {
      const dst = ws[pick(edges[a] as number[])] as W;
      const server = pick(at(dst, t));
      if (server === client) continue;
      if (dst.svcIp && r() < 0.8) push(client, "EGRESS", dst.svcIp, dst.svcPort as number, "TCP", t, svc(dst.ns, dst.name));
      else push(client, "EGRESS", server.ips[0] as string, dst.port, "TCP", t, podStamp(server));
      n++;
      if (n >= size.rows) break;
      push(server, "INGRESS", client.ips[0] as string, dst.port, "TCP", t, podStamp(client));
    }
    n++;
  }
}

function wirePod(p: BrokerPod): PodDetailWire {
  return {
    pod_name: p.name,
    pod_ip: p.ip,
    pod_namespace: p.namespace,
    pod_obj: { apiVersion: "v1", kind: "Pod", metadata: { name: p.name, namespace: p.namespace, labels: p.labels, ownerReferences: p.ownerReferences } },
    time_stamp: naive(p.time),
    node_name: p.nodeName,
    is_dead: p.isDead,
    pod_identity: p.labels.app ?? null,
    workload_selector_labels: p.labels.app ? { app: p.labels.app } : null,
    pod_ips: p.ips,
    workload_kind: p.workload?.kind ?? null,
    workload_name: p.workload?.name ?? null,
    capture_level: "full",
    host_network: false,
    started_at: p.startedAt !== undefined ? naive(p.startedAt) : null,
  };
}

function wireService(s: Inventory["services"][number], now: number): SvcDetailWire {
  return {
    svc_ip: s.clusterIPs[0] as string,
    svc_name: s.name,
    svc_namespace: s.namespace,
    service_spec: { metadata: { name: s.name, namespace: s.namespace }, spec: { clusterIP: s.clusterIPs[0], selector: s.selector, ports: s.ports } },
    time_stamp: naive(now - 35 * DAY),
  };
}

export function wireRow(x: TrafficRow): PodTrafficWire {
  const p = x.peer;
  return {
    uuid: x.uuid,
    pod_name: x.podName,
    pod_namespace: x.podNamespace,
    pod_ip: x.podIp,
    pod_port: x.podPort,
    ip_protocol: x.protocol,
    traffic_type: x.trafficType,
    traffic_in_out_ip: x.peerIp,
    traffic_in_out_port: x.peerPort,
    decision: x.decision,
    time_stamp: naive(x.time),
    peer_kind: p?.kind ?? null,
    peer_namespace: p?.namespace ?? null,
    peer_name: p?.name ?? null,
    peer_uid: null,
    peer_workload_kind: p?.workload?.kind ?? null,
    peer_workload_name: p?.workload?.name ?? null,
    peer_resolved_at: p ? naive(x.time) : null,
  };
}
