// A seeded synthetic cluster: namespaces, workloads with replicas, Services (numeric and named target
// ports), CoreDNS, the API server, external peers, and traffic rows with realistic fan-out, seen from
// both ends for TCP and from the client only for UDP. Same seed, same cluster.
import type { PodDetailWire, PodTrafficWire, SvcDetailWire } from "../src/sources/broker/schema.ts";
import type { Inventory, InventoryPod, TrafficData, TrafficRow } from "../src/model/types.ts";

export interface SynthSize {
  name: string;
  namespaces: number;
  workloads: number;
  pods: number;
  rows: number;
}

export const SIZES: Record<string, SynthSize> = {
  small: { name: "small", namespaces: 5, workloads: 25, pods: 100, rows: 20_000 },
  medium: { name: "medium", namespaces: 10, workloads: 200, pods: 1_000, rows: 200_000 },
  large: { name: "large", namespaces: 20, workloads: 1_000, pods: 5_000, rows: 1_000_000 },
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

const T0 = Date.parse("2026-05-12T10:00:00Z");
const naive = (ms: number) => new Date(ms).toISOString().replace("Z", "");

export interface Synth {
  inventory: Inventory;
  data: TrafficData;
  /** The same cluster as the broker would serve it. */
  wire(): { pods: PodDetailWire[]; services: SvcDetailWire[]; traffic: PodTrafficWire[] };
}

export function synthesise(size: SynthSize, seed = 42): Synth {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)] as T;
  const inv: Inventory = { namespaces: [], nodes: [], workloads: [], pods: [], services: [] };
  for (let i = 0; i < size.namespaces; i++) inv.namespaces.push({ name: `team-${i}`, labels: { "kubernetes.io/metadata.name": `team-${i}` } });
  inv.namespaces.push({ name: "kube-system", labels: { "kubernetes.io/metadata.name": "kube-system" } }, { name: "default", labels: { "kubernetes.io/metadata.name": "default" } });
  const nodes = Math.max(3, Math.ceil(size.pods / 50));
  for (let i = 0; i < nodes; i++) inv.nodes.push({ name: `node-${i}`, addresses: [{ type: "InternalIP", address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}` }] });

  let ip = 0;
  const nextIp = () => {
    ip++;
    return `10.244.${Math.floor(ip / 250)}.${(ip % 250) + 1}`;
  };
  interface W {
    ns: string;
    name: string;
    pods: InventoryPod[];
    port: number;
    svcIp?: string;
    svcPort?: number;
  }
  const ws: W[] = [];
  const perWorkload = Math.max(1, Math.round(size.pods / size.workloads));
  for (let i = 0; i < size.workloads; i++) {
    const ns = `team-${i % size.namespaces}`;
    const name = `svc-${i}`;
    const port = pick([80, 443, 5432, 6379, 8080, 9000, 9090]);
    const hash = (i * 2654435761).toString(16).slice(-9).padStart(9, "a");
    inv.workloads.push({ kind: "Deployment", name, namespace: ns, selector: { app: name } });
    const pods: InventoryPod[] = [];
    for (let k = 0; k < perWorkload; k++) {
      pods.push({
        name: `${name}-${hash}-${k.toString(36).padStart(5, "x")}`,
        namespace: ns,
        ips: [nextIp()],
        labels: { app: name, team: ns, "pod-template-hash": hash },
        nodeName: `node-${(i + k) % nodes}`,
        hostNetwork: false,
        owner: { kind: "Deployment", name },
        containerPorts: [{ name: "http", port, protocol: "TCP" }],
        ready: true,
        createdAt: new Date(T0 - 86400_000).toISOString(),
      });
    }
    inv.pods.push(...pods);
    const w: W = { ns, name, pods, port };
    if (r() < 0.7) {
      w.svcIp = `10.96.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`;
      w.svcPort = port === 443 ? 443 : 80;
      inv.services.push({ name, namespace: ns, clusterIPs: [w.svcIp], selector: { app: name }, ports: [{ name: "http", port: w.svcPort, targetPort: r() < 0.5 ? "http" : port, protocol: "TCP" }] });
    }
    ws.push(w);
  }
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
  inv.services.push({
    name: "kube-dns",
    namespace: "kube-system",
    clusterIPs: ["10.96.0.10"],
    selector: { "k8s-app": "kube-dns" },
    ports: [
      { name: "dns", port: 53, targetPort: "dns", protocol: "UDP" },
      { name: "dns-tcp", port: 53, targetPort: "dns-tcp", protocol: "TCP" },
    ],
  });
  inv.services.push({
    name: "kubernetes",
    namespace: "default",
    clusterIPs: ["10.96.0.1"],
    selector: null,
    ports: [{ name: "https", port: 443, targetPort: 6443, protocol: "TCP" }],
    endpoints: { ips: ["10.0.0.1"], ports: [{ name: "https", port: 6443, protocol: "TCP" }] },
  });

  // Fan-out: each workload talks to a few others, a few externals, DNS, and sometimes the API server.
  const externals = Array.from({ length: 200 }, (_, i) => `198.51.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`);
  const edges = ws.map(() => Array.from({ length: 2 + Math.floor(r() * 4) }, () => Math.floor(r() * ws.length)));
  const rows: TrafficRow[] = [];
  let uuid = 0;
  const push = (p: InventoryPod, type: "INGRESS" | "EGRESS", peer: string, port: number, protocol: string) => {
    uuid++;
    rows.push({
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
      time: T0 + Math.floor(r() * 3600_000),
    });
  };
  while (rows.length < size.rows) {
    const a = Math.floor(r() * ws.length);
    const src = ws[a] as W;
    const client = pick(src.pods);
    const roll = r();
    if (roll < 0.1) push(client, "EGRESS", "10.96.0.10", 53, "UDP");
    else if (roll < 0.13) push(client, "EGRESS", pick(externals), 443, "TCP");
    else if (roll < 0.14) push(client, "EGRESS", "10.96.0.1", 443, "TCP");
    else {
      const dst = ws[pick(edges[a] as number[])] as W;
      const server = pick(dst.pods);
      if (server === client) continue;
      if (dst.svcIp && r() < 0.8) push(client, "EGRESS", dst.svcIp, dst.svcPort as number, "TCP");
      else push(client, "EGRESS", server.ips[0] as string, dst.port, "TCP");
      push(server, "INGRESS", client.ips[0] as string, dst.port, "TCP");
    }
  }
  rows.length = size.rows;
  const data: TrafficData = {
    pods: inv.pods.map((p) => ({
      name: p.name,
      namespace: p.namespace,
      ip: p.ips[0] as string,
      ips: p.ips,
      labels: p.labels,
      ownerReferences: [{ kind: "ReplicaSet", name: `${p.owner?.name}-${p.labels["pod-template-hash"]}` }],
      nodeName: p.nodeName ?? "",
      hostNetwork: false,
      isDead: false,
      time: T0 - 86400_000,
    })),
    services: [],
    rows,
  };
  return {
    inventory: inv,
    data,
    wire: () => ({
      pods: data.pods.map((p) => ({
        pod_name: p.name,
        pod_ip: p.ip,
        pod_namespace: p.namespace,
        pod_obj: { apiVersion: "v1", kind: "Pod", metadata: { name: p.name, namespace: p.namespace, labels: p.labels, ownerReferences: p.ownerReferences } },
        time_stamp: naive(p.time),
        node_name: p.nodeName,
        is_dead: false,
        pod_identity: null,
        workload_selector_labels: null,
      })),
      services: inv.services
        .filter((s) => s.selector)
        .map((s) => ({
          svc_ip: s.clusterIPs[0] as string,
          svc_name: s.name,
          svc_namespace: s.namespace,
          service_spec: { metadata: { name: s.name, namespace: s.namespace }, spec: { clusterIP: s.clusterIPs[0], selector: s.selector, ports: s.ports } },
          time_stamp: naive(T0 - 86400_000),
        })),
      traffic: rows.map((x) => ({
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
      })),
    }),
  };
}
