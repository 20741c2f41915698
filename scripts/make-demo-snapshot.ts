// Writes src/demo/demo-snapshot.json: a small multi-namespace app as the broker and API server would
// report it. Seeded, so the file is the same on every run. Usage: node scripts/make-demo-snapshot.ts
import { writeFileSync } from "node:fs";

let seed = 20260512;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const BASE = Date.parse("2026-05-12T10:00:00Z");
const WINDOW = 15 * 60 * 1000;
const naive = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("Z", "")
    .replace(/\.000$/, "");

interface PodSpec {
  name: string;
  ns: string;
  ip: string;
  node: string;
  labels: Record<string, string>;
  owner?: { kind: string; name: string; rs?: string };
  ports?: { name?: string; port: number; protocol: "TCP" | "UDP" }[];
  hostNetwork?: boolean;
  dead?: boolean;
  created: string;
}

const deploy = (
  ns: string,
  name: string,
  hash: string,
  suffix: string,
  ip: string,
  node: string,
  labels: Record<string, string>,
  ports: PodSpec["ports"] = [],
): PodSpec => ({
  name: `${name}-${hash}-${suffix}`,
  ns,
  ip,
  node,
  labels: { ...labels, "pod-template-hash": hash },
  owner: { kind: "Deployment", name, rs: `${name}-${hash}` },
  ports,
  created: "2026-05-12T09:40:00Z",
});

const dnsLabels = { "k8s-app": "kube-dns" };
const dnsPorts: PodSpec["ports"] = [
  { name: "dns", port: 53, protocol: "UDP" },
  { name: "dns-tcp", port: 53, protocol: "TCP" },
  { name: "metrics", port: 9153, protocol: "TCP" },
];
const ingressLabels = { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" };
const pods: PodSpec[] = [
  deploy("kube-system", "coredns", "5d78c9869d", "7xk2p", "10.244.1.2", "worker-1", dnsLabels, dnsPorts),
  deploy("kube-system", "coredns", "5d78c9869d", "q8w4n", "10.244.2.2", "worker-2", dnsLabels, dnsPorts),
  deploy("ingress-nginx", "ingress-nginx-controller", "7c6d9f8b4", "z9x8c", "10.244.1.10", "worker-1", ingressLabels, [
    { name: "http", port: 80, protocol: "TCP" },
    { name: "https", port: 443, protocol: "TCP" },
  ]),
  deploy("shop", "web", "7d9f6b8c4", "x5z2w", "10.244.1.5", "worker-1", { app: "web", tier: "frontend" }, [
    { name: "http", port: 8080, protocol: "TCP" },
  ]),
  deploy("shop", "web", "7d9f6b8c4", "m2k7p", "10.244.2.5", "worker-2", { app: "web", tier: "frontend" }, [
    { name: "http", port: 8080, protocol: "TCP" },
  ]),
  deploy("shop", "api", "5c4b8d7f9", "h3j6k", "10.244.1.6", "worker-1", { app: "api", tier: "backend" }, [
    { name: "http", port: 9000, protocol: "TCP" },
  ]),
  deploy("shop", "api", "5c4b8d7f9", "t4r8s", "10.244.2.6", "worker-2", { app: "api", tier: "backend" }, [
    { name: "http", port: 9000, protocol: "TCP" },
  ]),
  {
    name: "db-0",
    ns: "shop",
    ip: "10.244.2.7",
    node: "worker-2",
    labels: {
      app: "db",
      tier: "database",
      "controller-revision-hash": "db-6f8b9c7d5",
      "statefulset.kubernetes.io/pod-name": "db-0",
      "apps.kubernetes.io/pod-index": "0",
    },
    owner: { kind: "StatefulSet", name: "db" },
    ports: [{ name: "postgres", port: 5432, protocol: "TCP" }],
    created: "2026-05-12T09:30:00Z",
  },
  deploy("analytics", "reporter", "6b9c8d7f5", "p2l4m", "10.244.1.8", "worker-1", { app: "reporter" }),
  // An api replica from the previous rollout: dead, but the broker keeps its record.
  {
    ...deploy("shop", "api", "84f7c6b5d", "w9q2z", "10.244.1.30", "worker-1", { app: "api", tier: "backend" }),
    dead: true,
    created: "2026-05-12T08:00:00Z",
  },
];

const services = [
  {
    name: "kubernetes",
    ns: "default",
    ip: "10.96.0.1",
    selector: null,
    ports: [{ name: "https", port: 443, targetPort: 6443, protocol: "TCP" }],
    endpoints: { ips: ["10.0.0.10"], ports: [{ name: "https", port: 6443, protocol: "TCP" }] },
  },
  {
    name: "kube-dns",
    ns: "kube-system",
    ip: "10.96.0.10",
    selector: dnsLabels,
    ports: [
      { name: "dns", port: 53, targetPort: "dns", protocol: "UDP" },
      { name: "dns-tcp", port: 53, targetPort: "dns-tcp", protocol: "TCP" },
      { name: "metrics", port: 9153, targetPort: 9153, protocol: "TCP" },
    ],
  },
  {
    name: "ingress-nginx-controller",
    ns: "ingress-nginx",
    ip: "10.96.100.1",
    selector: ingressLabels,
    ports: [
      { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
      { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
    ],
  },
  {
    name: "web",
    ns: "shop",
    ip: "10.96.12.10",
    selector: { app: "web" },
    ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
  },
  {
    name: "api",
    ns: "shop",
    ip: "10.96.12.20",
    selector: { app: "api" },
    ports: [{ name: "http", port: 8080, targetPort: 9000, protocol: "TCP" }],
  },
  {
    name: "db",
    ns: "shop",
    ip: "10.96.12.30",
    selector: { app: "db" },
    ports: [{ name: "postgres", port: 5432, targetPort: 5432, protocol: "TCP" }],
  },
];

const nodes = [
  { name: "control-plane", ip: "10.0.0.10" },
  { name: "worker-1", ip: "10.0.0.11" },
  { name: "worker-2", ip: "10.0.0.12" },
];

const rows: Record<string, unknown>[] = [];
const byName = new Map(pods.map((p) => [p.name, p]));
const row = (pod: string, type: "INGRESS" | "EGRESS", proto: string, peer: string, port: number, decision = "ALLOW") => {
  const p = byName.get(pod);
  if (!p) throw new Error(pod);
  rows.push({
    uuid: uuid(),
    pod_name: p.name,
    pod_namespace: p.ns,
    pod_ip: p.ip,
    pod_port: type === "INGRESS" ? String(port) : "0",
    ip_protocol: proto,
    traffic_type: type,
    traffic_in_out_ip: peer,
    traffic_in_out_port: type === "INGRESS" ? "0" : String(port),
    decision,
    time_stamp: naive(BASE + Math.floor(rand() * WINDOW)),
  });
};
/** n TCP connections seen from both ends: client EGRESS to the dialled IP/port, server INGRESS on its pod port. */
const tcp = (client: string, server: string, dialIp: string, dialPort: number, podPort: number, n: number) => {
  const c = byName.get(client);
  for (let i = 0; i < n; i++) {
    if (c) row(client, "EGRESS", "TCP", dialIp, dialPort);
    const s = byName.get(server);
    if (s) row(server, "INGRESS", "TCP", c?.ip ?? client, podPort);
  }
};
const [dns1, dns2] = ["coredns-5d78c9869d-7xk2p", "coredns-5d78c9869d-q8w4n"];
const ingress = "ingress-nginx-controller-7c6d9f8b4-z9x8c";
const webs = ["web-7d9f6b8c4-x5z2w", "web-7d9f6b8c4-m2k7p"];
const apis = ["api-5c4b8d7f9-h3j6k", "api-5c4b8d7f9-t4r8s"];

// Internet clients reach the ingress controller (no client pod: only the server side is seen).
for (let i = 0; i < 40; i++) row(ingress, "INGRESS", "TCP", "203.0.113.7", i % 4 === 0 ? 80 : 443);
for (let i = 0; i < 12; i++) row(ingress, "INGRESS", "TCP", "198.51.100.23", 443);
// ingress → web through the web Service (80 → named port http = 8080)
for (const w of webs) tcp(ingress, w, "10.96.12.10", 80, 8080, 25);
// web → api through its Service (8080 → 9000)
for (const w of webs) for (const a of apis) tcp(w, a, "10.96.12.20", 8080, 9000, 15);
// api → db (same namespace), and the analytics reporter → db (second namespace, shared database)
for (const a of apis) tcp(a, "db-0", "10.96.12.30", 5432, 5432, 30);
tcp("reporter-6b9c8d7f5-p2l4m", "db-0", "10.96.12.30", 5432, 5432, 8);
// api → an external payments API over HTTPS, at two addresses of one name (see hostnames below)
for (const a of apis) for (let i = 0; i < 9; i++) row(a, "EGRESS", "TCP", i % 3 === 0 ? "93.184.216.35" : "93.184.216.34", 443);
// DNS lookups (UDP: only the client's EGRESS rows exist)
for (const p of [...webs, ...apis, "reporter-6b9c8d7f5-p2l4m", ingress])
  for (let i = 0; i < 6; i++) row(p, "EGRESS", "UDP", "10.96.0.10", 53);
// CoreDNS forwards upstream and watches the API server
for (const d of [dns1, dns2]) {
  for (let i = 0; i < 5; i++) row(d as string, "EGRESS", "UDP", "1.1.1.1", 53);
  for (let i = 0; i < 3; i++) row(d as string, "EGRESS", "TCP", "10.96.0.1", 443);
  // kubelet readiness probes from the node
  for (let i = 0; i < 4; i++) row(d as string, "INGRESS", "TCP", d === dns1 ? "10.0.0.11" : "10.0.0.12", 8181);
}
// ingress controller watches Ingresses through the API server
for (let i = 0; i < 3; i++) row(ingress, "EGRESS", "TCP", "10.96.0.1", 443);
// kubelet probes on web
for (const w of webs)
  for (let i = 0; i < 4; i++) row(w, "INGRESS", "TCP", byName.get(w)?.node === "worker-1" ? "10.0.0.11" : "10.0.0.12", 8080);
// Not evidence: a connection the kernel dropped, a ping, a row with no port.
row("reporter-6b9c8d7f5-p2l4m", "EGRESS", "TCP", "10.96.12.20", 8080, "DROP");
row("api-5c4b8d7f9-h3j6k", "EGRESS", "ICMP", "10.244.2.7", 0);
row("web-7d9f6b8c4-x5z2w", "EGRESS", "TCP", "10.244.2.6", 0);

rows.sort((a, b) => ((a.time_stamp as string) < (b.time_stamp as string) ? 1 : -1));

const podObj = (p: PodSpec) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: p.name,
    namespace: p.ns,
    labels: p.labels,
    ...(p.owner
      ? {
          ownerReferences: [
            { apiVersion: "apps/v1", kind: p.owner.rs ? "ReplicaSet" : p.owner.kind, name: p.owner.rs ?? p.owner.name, controller: true },
          ],
        }
      : {}),
  },
  ...(p.hostNetwork ? { spec: { hostNetwork: true } } : {}),
});

const snapshot = {
  apiVersion: "guardian.kubectl.io/v1alpha1",
  kind: "TrafficSnapshot",
  metadata: { createdAt: "2026-05-12T10:16:00Z", context: "demo" },
  broker: {
    pods: [...pods]
      .sort((a, b) => (a.ns + a.name < b.ns + b.name ? -1 : 1))
      .map((p) => ({
        pod_name: p.name,
        pod_ip: p.ip,
        pod_namespace: p.ns,
        pod_obj: podObj(p),
        // The 1.20 line: time_stamp is the last re-post (every minute while the pod runs), started_at its start.
        time_stamp: p.dead === true ? naive(Date.parse(p.created) + 600_000) : "2026-05-12T10:15:00",
        node_name: p.node,
        is_dead: p.dead === true,
        pod_identity: p.owner?.name ?? p.name,
        workload_selector_labels: null,
        pod_ips: [p.ip],
        workload_kind: p.owner?.kind ?? null,
        workload_name: p.owner?.name ?? null,
        capture_level: "full",
        host_network: p.hostNetwork === true,
        started_at: naive(Date.parse(p.created)),
      })),
    services: services
      .filter((s) => s.selector !== null || s.name === "kubernetes")
      .map((s) => ({
        svc_ip: s.ip,
        svc_name: s.name,
        svc_namespace: s.ns,
        service_spec: {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: s.name, namespace: s.ns },
          spec: { clusterIP: s.ip, ...(s.selector ? { selector: s.selector } : {}), ports: s.ports },
        },
        time_stamp: "2026-05-12T09:00:00",
      })),
    // Unresolved peers (null), as the 1.20 broker serves rows it could not stamp: resolved from addresses here.
    traffic: rows.map((r) => ({
      ...r,
      peer_kind: null,
      peer_namespace: null,
      peer_name: null,
      peer_uid: null,
      peer_workload_kind: null,
      peer_workload_name: null,
      peer_resolved_at: null,
    })),
  },
  inventory: {
    // The demo's controller watches kube-system too (EXCLUDED_NAMESPACES=kguardian): CoreDNS's own rows are evidence.
    agent: { excludedNamespaces: ["kguardian"], ignoreDaemonSetTraffic: true, source: "daemonset kguardian/kguardian-controller" },
    namespaces: ["analytics", "default", "ingress-nginx", "kube-system", "shop"].map((name) => ({
      name,
      labels: { "kubernetes.io/metadata.name": name },
    })),
    nodes: nodes.map((n) => ({
      name: n.name,
      addresses: [
        { type: "InternalIP", address: n.ip },
        { type: "Hostname", address: n.name },
      ],
    })),
    workloads: [
      { kind: "Deployment", name: "coredns", namespace: "kube-system", selector: dnsLabels },
      { kind: "Deployment", name: "ingress-nginx-controller", namespace: "ingress-nginx", selector: ingressLabels },
      { kind: "Deployment", name: "web", namespace: "shop", selector: { app: "web" } },
      { kind: "Deployment", name: "api", namespace: "shop", selector: { app: "api" } },
      { kind: "StatefulSet", name: "db", namespace: "shop", selector: { app: "db" } },
      { kind: "Deployment", name: "reporter", namespace: "analytics", selector: { app: "reporter" } },
    ],
    pods: pods
      .filter((p) => !p.dead)
      .map((p) => ({
        name: p.name,
        namespace: p.ns,
        ips: [p.ip],
        labels: p.labels,
        nodeName: p.node,
        hostNetwork: p.hostNetwork === true,
        ...(p.owner ? { owner: { kind: p.owner.kind, name: p.owner.name } } : {}),
        containerPorts: p.ports ?? [],
        ready: true,
        createdAt: p.created,
      })),
    services: services.map((s) => ({
      name: s.name,
      namespace: s.ns,
      clusterIPs: [s.ip],
      selector: s.selector,
      ports: s.ports,
      ...(s.endpoints ? { endpoints: s.endpoints } : {}),
    })),
  },
  // The broker records addresses only; names like these come from elsewhere (a DNS log, Hubble) when known.
  hostnames: [
    { ip: "93.184.216.34", names: ["payments.example.com"] },
    { ip: "93.184.216.35", names: ["payments.example.com"] },
  ],
};

const out = new URL("../src/demo/demo-snapshot.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(snapshot, null, 1)}\n`);
console.log(`wrote ${out.pathname}: ${rows.length} traffic rows, ${pods.length} pods`);
