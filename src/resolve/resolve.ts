// Turns traffic rows into connections between resolved peers. Pure: everything comes in as arguments.
import type { Connection, Peer, PortProto, Protocol, SkipReason, TrafficData, TrafficRow, Warning } from "../model/types.ts";
import { backingPods, type ClusterIndex, type PodIdentity, podAt, workloadKey } from "./cluster-index.ts";
import { hostCidr, isLoopback, type ParsedIp, parseIp } from "./ip.ts";

export interface ResolveOptions {
  /** Rows older than this (ms) are ignored. */
  since?: number;
  includeDropped?: boolean;
}

export interface Resolved {
  connections: Connection[];
  skipped: Partial<Record<SkipReason, number>>;
  warnings: Warning[];
  rows: number;
}

const PROTOCOLS = new Set<Protocol>(["TCP", "UDP", "SCTP"]);

export function peerKey(p: Peer): string {
  switch (p.kind) {
    case "workload":
      return `w:${workloadKey(p.workload)}`;
    case "apiserver":
      return "apiserver";
    case "node":
      return `node:${p.cidr}`;
    case "external":
      return `cidr:${p.cidr}`;
  }
}

function parsePort(s: string): number | null {
  if (!/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

export function resolveTraffic(index: ClusterIndex, data: TrafficData, opts: ResolveOptions = {}): Resolved {
  const skipped: Partial<Record<SkipReason, number>> = {};
  const skip = (r: SkipReason) => {
    skipped[r] = (skipped[r] ?? 0) + 1;
  };
  const warned = new Map<string, Warning>();
  const warn = (code: string, key: string, message: string) => {
    if (!warned.has(`${code}:${key}`)) warned.set(`${code}:${key}`, { code, message });
  };
  const conns = new Map<string, Connection>();
  const ids = new Set<string>();

  // A connection seen by both ends is one flow with two rows: count rows per end, keep the larger.
  const rowsAt = new Map<string, { src: number; dst: number }>();
  const add = (src: Peer, dst: Peer, port: PortProto, row: TrafficRow, seenAt: "src" | "dst") => {
    const key = `${peerKey(src)}|${peerKey(dst)}|${port.port}/${port.protocol}`;
    const n = rowsAt.get(key) ?? { src: 0, dst: 0 };
    n[seenAt]++;
    rowsAt.set(key, n);
    const c = conns.get(key);
    if (!c) {
      conns.set(key, { src, dst, port, evidence: { flows: 1, firstSeen: row.time, lastSeen: row.time, pods: [row.podName] } });
      return;
    }
    const e = c.evidence;
    e.flows = Math.max(n.src, n.dst);
    if (row.time < e.firstSeen) e.firstSeen = row.time;
    if (row.time > e.lastSeen) e.lastSeen = row.time;
    if (!e.pods.includes(row.podName)) e.pods.push(row.podName);
  };

  const workloadPeer = (id: PodIdentity, ip: ParsedIp): Peer | null => {
    if (id.hostNetwork) return { kind: "node", cidr: hostCidr(ip), node: id.nodeName ?? "" };
    if (!id.selector) {
      warn(
        "unlabeled-peer",
        workloadKey(id.workload),
        `peer ${id.namespace}/${id.name} has no usable labels; its traffic is left out (label its pods, then re-run)`,
      );
      return null;
    }
    return {
      kind: "workload",
      workload: id.workload,
      selector: id.selector,
      ...(index.dns && id.namespace === index.dns.namespace && isDnsPod(index, id) ? { role: "dns" as const } : {}),
    };
  };

  /** A remote IP that is not a Service: API server, pod, node or external. */
  const plainPeer = (ip: ParsedIp, t: number): Peer | null | "unlabeled" => {
    if (index.apiServer?.endpointIps.has(ip.text)) return { kind: "apiserver", cidrs: index.apiServer.cidrs };
    const pod = podAt(index, ip.text, t);
    if (pod) return workloadPeer(pod, ip) ?? "unlabeled";
    const node = index.nodesByIp.get(ip.text);
    if (node !== undefined) return { kind: "node", cidr: hostCidr(ip), node };
    return { kind: "external", cidr: hostCidr(ip) };
  };

  for (const row of data.rows) {
    if (ids.has(row.uuid)) continue; // the broker never repeats a uuid; a merged snapshot might
    ids.add(row.uuid);
    if (opts.since !== undefined && row.time < opts.since) {
      skip("before-since");
      continue;
    }
    const decision = row.decision.toUpperCase();
    if (decision === "DROP" && !opts.includeDropped) {
      skip("dropped");
      continue;
    }
    const dir = row.trafficType.toUpperCase();
    if (dir !== "INGRESS" && dir !== "EGRESS") {
      skip("unknown-direction");
      continue;
    }
    if (!PROTOCOLS.has(row.protocol as Protocol)) {
      skip("unknown-protocol");
      warn(
        "unknown-protocol",
        row.protocol,
        `rows with protocol "${row.protocol}" are skipped (only TCP, UDP and SCTP can be allowed by port)`,
      );
      continue;
    }
    const protocol = row.protocol as Protocol;
    const peerIp = parseIp(row.peerIp);
    const localIp = parseIp(row.podIp);
    if (!peerIp || !row.podName || !row.podNamespace) {
      skip("missing-field");
      continue;
    }
    if (isLoopback(peerIp)) {
      skip("loopback");
      continue;
    }
    if (localIp && localIp.text === peerIp.text) {
      skip("self");
      continue;
    }
    const port = parsePort(dir === "INGRESS" ? row.podPort : row.peerPort);
    if (port === null) {
      skip("invalid-port");
      continue;
    }
    const local =
      index.podsByName.get(`${row.podNamespace}/${row.podName}`) ?? (localIp ? podAt(index, localIp.text, row.time) : undefined);
    if (!local || local.hostNetwork) {
      skip("unresolved-local");
      continue;
    }
    const self = workloadPeer(local, localIp ?? peerIp);
    if (!self) {
      skip("unlabeled-peer");
      continue;
    }

    if (dir === "INGRESS") {
      const src = plainPeer(peerIp, row.time);
      if (src === null || src === "unlabeled") {
        skip("unlabeled-peer");
        continue;
      }
      add(src, self, { port, protocol }, row, "dst");
      continue;
    }

    const svc = index.servicesByIp.get(peerIp.text);
    if (!svc) {
      const dst = plainPeer(peerIp, row.time);
      if (dst === null || dst === "unlabeled") {
        skip("unlabeled-peer");
        continue;
      }
      add(self, dst, { port, protocol }, row, "src");
      continue;
    }
    const sp = svc.ports.find((p) => p.port === port && p.protocol === protocol);
    if (!sp) {
      warn(
        "service-port",
        `${svc.namespace}/${svc.name}:${port}`,
        `service ${svc.namespace}/${svc.name} has no port ${port}/${protocol}; rows to it are skipped`,
      );
      skip("invalid-port");
      continue;
    }
    if (index.apiServer?.clusterIPs.has(peerIp.text)) {
      const ep = index.apiServer.ports.find((p) => p.name === sp.name) ?? index.apiServer.ports[0];
      const target = ep?.port ?? (typeof sp.targetPort === "number" ? sp.targetPort : null);
      if (target === null || index.apiServer.cidrs.length === 0) {
        warn("apiserver-endpoints", "kubernetes", "the API server's endpoints are unknown; traffic to the kubernetes Service is skipped");
        skip("invalid-port");
        continue;
      }
      add(self, { kind: "apiserver", cidrs: index.apiServer.cidrs }, { port: target, protocol }, row, "src");
      continue;
    }
    if (!svc.selector) {
      // Manual endpoints: enforcement sees the endpoint addresses after DNAT.
      const eps = svc.endpoints;
      const epPort = eps?.ports.find((p) => p.name === sp.name) ?? eps?.ports[0];
      if (!eps || !epPort || eps.ips.length === 0) {
        warn(
          "service-endpoints",
          `${svc.namespace}/${svc.name}`,
          `service ${svc.namespace}/${svc.name} has no selector and no known endpoints; rows to it are skipped`,
        );
        skip("unresolved-local");
        continue;
      }
      for (const raw of eps.ips) {
        const ip = parseIp(raw);
        const dst = ip && plainPeer(ip, row.time);
        if (dst && dst !== "unlabeled") add(self, dst, { port: epPort.port, protocol }, row, "src");
      }
      continue;
    }
    const pods = backingPods(index, svc);
    if (pods.length === 0) {
      // Backing pods unknown (broker-only data): the Service selector is the best peer we have.
      if (typeof sp.targetPort !== "number") {
        warn(
          "named-target-port",
          `${svc.namespace}/${svc.name}`,
          `service ${svc.namespace}/${svc.name} uses named targetPort "${sp.targetPort}" and no backing pod is known; rows to it are skipped`,
        );
        skip("invalid-port");
        continue;
      }
      const dst: Peer = {
        kind: "workload",
        workload: { kind: "Service", name: svc.name, namespace: svc.namespace },
        selector: svc.selector,
        ...(index.dns === svc ? { role: "dns" as const } : {}),
      };
      add(self, dst, { port: sp.targetPort, protocol }, row, "src");
      continue;
    }
    const byWorkload = new Map<string, PodIdentity[]>();
    for (const p of pods) {
      const k = workloadKey(p.workload);
      byWorkload.set(k, [...(byWorkload.get(k) ?? []), p]);
    }
    for (const [, group] of [...byWorkload].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const first = group[0] as PodIdentity;
      const target =
        typeof sp.targetPort === "number"
          ? sp.targetPort
          : group.flatMap((p) => p.containerPorts).find((c) => c.name === sp.targetPort && c.protocol === protocol)?.port;
      if (target === undefined) {
        warn(
          "named-target-port",
          `${svc.namespace}/${svc.name}/${sp.targetPort}`,
          `no pod behind service ${svc.namespace}/${svc.name} declares port "${sp.targetPort}"; rows to it are skipped`,
        );
        continue;
      }
      if (first.hostNetwork) {
        warn(
          "hostnetwork-backend",
          `${svc.namespace}/${svc.name}`,
          `service ${svc.namespace}/${svc.name} is backed by host-network pods; rows to it are skipped`,
        );
        continue;
      }
      const dst = workloadPeer(first, peerIp);
      if (dst) add(self, dst, { port: target, protocol }, row, "src");
    }
  }

  const connections = [...conns.values()];
  for (const c of connections) c.evidence.pods.sort();
  return { connections, skipped, warnings: [...warned.values()], rows: data.rows.length };
}

function isDnsPod(index: ClusterIndex, id: PodIdentity): boolean {
  const sel = index.dns?.selector;
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel)) if (id.labels[k] !== v) return false;
  return true;
}
