// Hubble flows (`hubble observe -o json` lines) for the traffic a scenario's broker rows describe: each
// row is the flow its endpoint's Cilium would have reported, written from Hubble's documented JSON.
import type { Inventory, InventoryPod, TrafficData } from "../../src/model/types.ts";
import { HubbleFlowReader } from "../../src/sources/hubble/flows.ts";
import { Cluster, T0, tcp } from "./builders.ts";

type Json = Record<string, unknown>;

/** An endpoint as Hubble prints it: Cilium's k8s: identity labels, the pod's top controller. */
export function endpoint(p: InventoryPod, nsLabels: Record<string, string> = { "kubernetes.io/metadata.name": p.namespace }): Json {
  return {
    ID: 100,
    identity: 20000,
    namespace: p.namespace,
    labels: [
      ...Object.entries(p.labels).map(([k, v]) => `k8s:${k}=${v}`),
      `k8s:io.kubernetes.pod.namespace=${p.namespace}`,
      ...Object.entries(nsLabels).map(([k, v]) => `k8s:io.cilium.k8s.namespace.labels.${k}=${v}`),
      "k8s:io.cilium.k8s.policy.serviceaccount=default",
    ].sort(),
    pod_name: p.name,
    ...(p.owner ? { workloads: [{ name: p.owner.name, kind: p.owner.kind }] } : {}),
  };
}

export const world = (): Json => ({ ID: 0, identity: 2, labels: ["reserved:world"] });

export function flow(o: {
  time: number;
  verdict?: string;
  direction: "INGRESS" | "EGRESS";
  src: { ip: string; port: number; ep: Json };
  dst: { ip: string; port: number; ep: Json };
  proto?: string;
  reply?: boolean;
  type?: string;
  l7?: Json;
  node?: string;
}): Json {
  const proto = o.proto ?? "TCP";
  return {
    time: new Date(o.time).toISOString().replace("Z", "123456Z"),
    uuid: `f-${o.time}-${o.src.port}`,
    verdict: o.verdict ?? "FORWARDED",
    IP: { source: o.src.ip, destination: o.dst.ip, ipVersion: o.src.ip.includes(":") ? "IPv6" : "IPv4" },
    l4: { [proto]: { source_port: o.src.port, destination_port: o.dst.port, ...(proto === "TCP" ? { flags: { SYN: true } } : {}) } },
    source: o.src.ep,
    destination: o.dst.ep,
    Type: o.type ?? "L3_L4",
    node_name: o.node ?? "worker-1",
    event_type: { type: 4 },
    traffic_direction: o.direction,
    trace_observation_point: o.direction === "EGRESS" ? "FROM_ENDPOINT" : "TO_ENDPOINT",
    is_reply: o.reply === true,
    ...(o.l7 ? { l7: o.l7 } : {}),
    Summary: `${proto} Flags: SYN`,
  };
}

/** Every broker row of `data` as the flow Hubble reports at that row's endpoint; `wrap`: as `hubble observe` prints it. */
export function flowsOf(inv: Inventory, data: TrafficData, wrap = true): string[] {
  const byIp = new Map(inv.pods.flatMap((p) => p.ips.map((ip) => [ip, p] as const)));
  const byName = new Map(inv.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const nsLabels = new Map(inv.namespaces.map((n) => [n.name, n.labels]));
  const ep = (p: InventoryPod | undefined) => (p ? endpoint(p, nsLabels.get(p.namespace)) : world());
  return data.rows.map((r, i) => {
    const local = byName.get(`${r.podNamespace}/${r.podName}`);
    const other = byIp.get(r.peerIp);
    const ephemeral = 40000 + (i % 20000);
    const egress = r.trafficType === "EGRESS";
    const me = { ip: r.podIp, ep: ep(local) };
    const peer = { ip: r.peerIp, ep: ep(other) };
    const f = flow({
      time: r.time,
      verdict: r.decision === "ALLOW" ? "FORWARDED" : "DROPPED",
      direction: egress ? "EGRESS" : "INGRESS",
      proto: r.protocol,
      src: egress ? { ...me, port: ephemeral } : { ...peer, port: ephemeral },
      dst: egress ? { ...peer, port: Number(r.peerPort) } : { ...me, port: Number(r.podPort) },
    });
    return JSON.stringify(wrap ? { flow: f, node_name: "worker-1", time: f.time } : f);
  });
}

/** web → api:8080 with HTTP requests (GET /product/…, POST /cart, a response) and web → db:5432 at L4 only. */
export function l7World() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api" }, { ports: [tcp(8080)] });
  const [db] = c.deployment("shop", "db", { app: "db" }, { ports: [tcp(5432)] });
  const at = (i: number, dir: "INGRESS" | "EGRESS", dst: typeof api, port: number, l7?: Record<string, unknown>) =>
    JSON.stringify({
      flow: flow({
        time: T0 + i * 1000,
        direction: dir,
        type: l7 ? "L7" : "L3_L4",
        src: { ip: web!.ips[0]!, port: 40000 + i, ep: endpoint(web!) },
        dst: { ip: dst!.ips[0]!, port, ep: endpoint(dst!) },
        ...(l7 ? { l7 } : {}),
      }),
    });
  const req = (method: string, url: string) => ({ type: "REQUEST", http: { method, url, protocol: "HTTP/1.1" } });
  const lines = [
    at(1, "EGRESS", api, 8080),
    at(1, "INGRESS", api, 8080),
    at(2, "INGRESS", api, 8080, req("GET", "http://api.shop:8080/product/123")),
    at(3, "INGRESS", api, 8080, req("GET", "http://api.shop:8080/product/456?ref=home")),
    at(4, "INGRESS", api, 8080, req("POST", "http://api.shop:8080/cart")),
    at(5, "INGRESS", api, 8080, { type: "RESPONSE", http: { code: 200, method: "GET", url: "http://api.shop:8080/product/123" } }),
    at(6, "EGRESS", db, 5432),
    at(6, "INGRESS", db, 5432),
  ];
  const r = new HubbleFlowReader();
  for (const l of lines) r.add(l);
  const h = r.result();
  return { h, data: { pods: h.pods, services: [], rows: h.rows }, lines };
}
