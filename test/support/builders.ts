// Small builders for clusters and traffic, shared by every test: a test shows only what matters to it.

import type { ContainerPort, Inventory, InventoryPod, Labels, Protocol, ServicePort, TrafficData } from "../../src/model/types.ts";
import type { PodDetailWire, PodTrafficWire, SvcDetailWire } from "../../src/sources/broker/schema.ts";
import { parseSnapshot, SNAPSHOT_API_VERSION, SNAPSHOT_KIND } from "../../src/sources/snapshot/snapshot.ts";

export const T0 = Date.parse("2026-05-12T10:00:00Z");
export const naive = (ms: number) => new Date(ms).toISOString().replace("Z", "");

interface PodOpts {
  labels?: Labels;
  ports?: ContainerPort[];
  node?: string;
  hostNetwork?: boolean;
  owner?: { kind: string; name: string } | null;
  /** Extra labels the controller adds (pod-template-hash, …). */
  volatile?: Labels;
}

export class Cluster {
  readonly inventory: Inventory = { namespaces: [], nodes: [], workloads: [], pods: [], services: [] };
  readonly wire: { pods: PodDetailWire[]; services: SvcDetailWire[]; traffic: PodTrafficWire[] } = { pods: [], services: [], traffic: [] };
  /** The snapshot's hostnames section (names external addresses were looked up by). */
  readonly hostnames: unknown[] = [];
  private seq = 0;
  private ipSeq = 10;

  namespace(name: string, labels: Labels = {}): this {
    if (!this.inventory.namespaces.some((n) => n.name === name)) {
      this.inventory.namespaces.push({ name, labels: { "kubernetes.io/metadata.name": name, ...labels } });
    }
    return this;
  }

  node(name: string, ...ips: string[]): this {
    this.inventory.nodes.push({ name, addresses: ips.map((address) => ({ type: "InternalIP", address })) });
    return this;
  }

  nextIp(): string {
    this.ipSeq++;
    return `10.244.${Math.floor(this.ipSeq / 250)}.${this.ipSeq % 250}`;
  }

  /** A Deployment with `replicas` pods; returns the pods. Selector = labels unless given. */
  deployment(
    ns: string,
    name: string,
    labels: Labels,
    opts: { replicas?: number; ports?: ContainerPort[]; hash?: string; selector?: Labels | null } = {},
  ): InventoryPod[] {
    this.namespace(ns);
    const hash = opts.hash ?? "5d8f7c9b4";
    this.inventory.workloads.push({
      kind: "Deployment",
      name,
      namespace: ns,
      selector: opts.selector === undefined ? labels : opts.selector,
    });
    return Array.from({ length: opts.replicas ?? 1 }, (_, i) =>
      this.pod(ns, `${name}-${hash}-${"abcdefghij"[i]}${"xyzwv"[i % 5]}k2p`, {
        labels,
        volatile: { "pod-template-hash": hash },
        owner: { kind: "Deployment", name },
        ...(opts.ports ? { ports: opts.ports } : {}),
      }),
    );
  }

  statefulSet(ns: string, name: string, labels: Labels, opts: { replicas?: number; ports?: ContainerPort[] } = {}): InventoryPod[] {
    this.namespace(ns);
    this.inventory.workloads.push({ kind: "StatefulSet", name, namespace: ns, selector: labels });
    return Array.from({ length: opts.replicas ?? 1 }, (_, i) =>
      this.pod(ns, `${name}-${i}`, {
        labels,
        volatile: { "controller-revision-hash": `${name}-6f8b9c7d5`, "statefulset.kubernetes.io/pod-name": `${name}-${i}` },
        owner: { kind: "StatefulSet", name },
        ...(opts.ports ? { ports: opts.ports } : {}),
      }),
    );
  }

  pod(ns: string, name: string, opts: PodOpts = {}, ip = this.nextIp()): InventoryPod {
    this.namespace(ns);
    const labels = { ...(opts.labels ?? {}), ...(opts.volatile ?? {}) };
    const pod: InventoryPod = {
      name,
      namespace: ns,
      ips: [ip],
      labels,
      nodeName: opts.node ?? "worker-1",
      hostNetwork: opts.hostNetwork === true,
      ...(opts.owner ? { owner: opts.owner } : {}),
      containerPorts: opts.ports ?? [],
      ready: true,
      createdAt: new Date(T0 - 3600_000).toISOString(),
    };
    this.inventory.pods.push(pod);
    this.wire.pods.push(this.podRecord(pod, false, T0 - 3600_000));
    return pod;
  }

  podRecord(pod: InventoryPod, dead: boolean, at: number): PodDetailWire {
    const rs = pod.owner?.kind === "Deployment" ? `${pod.owner.name}-${pod.labels["pod-template-hash"]}` : pod.owner?.name;
    return {
      pod_name: pod.name,
      pod_ip: pod.ips[0] as string,
      pod_namespace: pod.namespace,
      pod_obj: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: pod.name,
          namespace: pod.namespace,
          labels: pod.labels,
          ...(pod.owner ? { ownerReferences: [{ kind: pod.owner.kind === "Deployment" ? "ReplicaSet" : pod.owner.kind, name: rs }] } : {}),
        },
        ...(pod.hostNetwork ? { spec: { hostNetwork: true } } : {}),
      },
      time_stamp: naive(at),
      node_name: pod.nodeName ?? "",
      is_dead: dead,
      pod_identity: null,
      workload_selector_labels: null,
    };
  }

  service(
    ns: string,
    name: string,
    ip: string,
    selector: Labels | null,
    ports: ServicePort[],
    endpoints?: { ips: string[]; ports: ContainerPort[] },
  ): this {
    this.namespace(ns);
    this.inventory.services.push({ name, namespace: ns, clusterIPs: [ip], selector, ports, ...(endpoints ? { endpoints } : {}) });
    this.wire.services.push({
      svc_ip: ip,
      svc_name: name,
      svc_namespace: ns,
      service_spec: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace: ns },
        spec: { clusterIP: ip, ...(selector ? { selector } : {}), ports },
      },
      time_stamp: naive(T0 - 7200_000),
    });
    return this;
  }

  /** kube-dns in kube-system with CoreDNS pods. */
  dns(ip = "10.96.0.10"): InventoryPod[] {
    const pods = this.deployment(
      "kube-system",
      "coredns",
      { "k8s-app": "kube-dns" },
      {
        replicas: 2,
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
        ],
      },
    );
    this.service("kube-system", "kube-dns", ip, { "k8s-app": "kube-dns" }, [
      { name: "dns", port: 53, targetPort: "dns", protocol: "UDP" },
      { name: "dns-tcp", port: 53, targetPort: "dns-tcp", protocol: "TCP" },
    ]);
    return pods;
  }

  apiServer(ip = "10.96.0.1", endpoint = "172.18.0.2", port = 6443): this {
    return this.service("default", "kubernetes", ip, null, [{ name: "https", port: 443, targetPort: port, protocol: "TCP" }], {
      ips: [endpoint],
      ports: [{ name: "https", port, protocol: "TCP" }],
    });
  }

  row(
    local: InventoryPod,
    type: "INGRESS" | "EGRESS",
    peerIp: string,
    port: number,
    o: { proto?: string; at?: number; decision?: string; localPort?: number } = {},
  ): this {
    this.seq++;
    this.wire.traffic.push({
      uuid: `00000000-0000-4000-8000-${String(this.seq).padStart(12, "0")}`,
      pod_name: local.name,
      pod_namespace: local.namespace,
      pod_ip: local.ips[0] as string,
      pod_port: type === "INGRESS" ? String(port) : "0",
      ip_protocol: o.proto ?? "TCP",
      traffic_type: type,
      traffic_in_out_ip: peerIp,
      traffic_in_out_port: type === "INGRESS" ? "0" : String(port),
      decision: o.decision ?? "ALLOW",
      time_stamp: naive(o.at ?? T0 + this.seq * 1000),
    });
    return this;
  }

  /** A TCP connection seen from both ends: client EGRESS to `dial`, server INGRESS on `podPort`. */
  connect(
    client: InventoryPod,
    server: InventoryPod,
    podPort: number,
    o: { dial?: { ip: string; port: number }; proto?: Protocol; times?: number } = {},
  ): this {
    for (let i = 0; i < (o.times ?? 1); i++) {
      const dial = o.dial ?? { ip: server.ips[0] as string, port: podPort };
      this.row(client, "EGRESS", dial.ip, dial.port, { proto: o.proto ?? "TCP" });
      if ((o.proto ?? "TCP") !== "UDP") this.row(server, "INGRESS", client.ips[0] as string, podPort, { proto: o.proto ?? "TCP" });
    }
    return this;
  }

  snapshot(createdAt = T0 + 3600_000): Record<string, unknown> {
    return {
      apiVersion: SNAPSHOT_API_VERSION,
      kind: SNAPSHOT_KIND,
      metadata: { createdAt: new Date(createdAt).toISOString(), context: "test" },
      broker: { pods: this.wire.pods, services: this.wire.services, traffic: this.wire.traffic },
      inventory: this.inventory,
      ...(this.hostnames.length > 0 ? { hostnames: this.hostnames } : {}),
    };
  }

  /** Records that `ip` was looked up as `names`. */
  named(ip: string, ...names: string[]): this {
    this.hostnames.push({ ip, names });
    return this;
  }

  data(): TrafficData {
    return parseSnapshot(this.snapshot(), "test").data;
  }
}

export const tcp = (port: number, name?: string): ContainerPort => ({ ...(name ? { name } : {}), port, protocol: "TCP" });
export const svcPort = (port: number, targetPort: number | string, name?: string, protocol: Protocol = "TCP"): ServicePort => ({
  ...(name ? { name } : {}),
  port,
  targetPort,
  protocol,
});
