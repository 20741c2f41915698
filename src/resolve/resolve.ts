// Turns traffic rows into connections between resolved peers. Pure: everything comes in as arguments.

import type { ClusterIndex, PodIdentity } from "../model/cluster.ts";
import { peerKey, workloadKey } from "../model/keys.ts";
import { matches } from "../model/selector.ts";
import type {
  Connection,
  InventoryService,
  Labels,
  Peer,
  PortProto,
  Protocol,
  Resolved,
  ServicePort,
  SkipReason,
  TrafficData,
  TrafficRow,
  Warning,
} from "../model/types.ts";
import { backingPods, podAt } from "./cluster-index.ts";
import { hostCidr, type ParsedIp, parseIp } from "./ip.ts";

export interface ResolveOptions {
  /** Rows older than this (ms) are ignored. */
  since?: number;
  includeDropped?: boolean;
}

const PROTOCOLS = new Set<Protocol>(["TCP", "UDP", "SCTP"]);

function parsePort(s: string): number | null {
  if (!/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

/** `f` remembered per input; `f` must not return undefined, so that one lookup tells a miss. */
function memo<T>(f: (raw: string) => T): (raw: string) => T {
  const seen = new Map<string, T>();
  return (raw) => {
    let v = seen.get(raw);
    if (v === undefined) {
      v = f(raw);
      seen.set(raw, v);
    }
    return v;
  };
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
  const conns: Connection[] = [];
  const unexpressed = new Set<string>();
  // A connection seen by both ends is one flow with two rows: count rows per end, keep the larger.
  // Nested maps by peer object and port, not string keys: this runs once per row.
  interface Entry {
    conn: Connection;
    src: number;
    dst: number;
  }
  const bySrc = new Map<Peer, Map<Peer, Map<number, Entry>>>();
  const PROTO_CODE: Record<Protocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };
  const add = (src: Peer, dst: Peer, port: PortProto, row: TrafficRow, seenAt: "src" | "dst") => {
    const byDst = bySrc.get(src) ?? new Map<Peer, Map<number, Entry>>();
    bySrc.set(src, byDst);
    const byPort = byDst.get(dst) ?? new Map<number, Entry>();
    byDst.set(dst, byPort);
    const pk = port.port * 4 + PROTO_CODE[port.protocol];
    const entry = byPort.get(pk);
    if (!entry) {
      const conn: Connection = { src, dst, port, evidence: { flows: 1, firstSeen: row.time, lastSeen: row.time, pods: [row.podName] } };
      byPort.set(pk, { conn, src: seenAt === "src" ? 1 : 0, dst: seenAt === "dst" ? 1 : 0 });
      conns.push(conn);
      return;
    }
    entry[seenAt]++;
    const e = entry.conn.evidence;
    e.flows = Math.max(entry.src, entry.dst);
    if (row.time < e.firstSeen) e.firstSeen = row.time;
    if (row.time > e.lastSeen) e.lastSeen = row.time;
    if (!e.pods.includes(row.podName)) e.pods.push(row.podName);
  };

  // Memos: a large run sees a few thousand addresses and pods in a million rows.
  const ipOf = memo(parseIp);
  const portOf = memo(parsePort);
  const locals = new Map<string, Map<string, PodIdentity | undefined>>();
  const localPod = (ns: string, name: string): PodIdentity | undefined => {
    const inNs = locals.get(ns) ?? new Map<string, PodIdentity | undefined>();
    locals.set(ns, inNs);
    if (inNs.has(name)) return inNs.get(name);
    const p = index.podsByName.get(`${ns}/${name}`);
    inNs.set(name, p);
    return p;
  };
  const podPeers = new Map<PodIdentity, Peer | null>();
  // One object per peer, so that connections can be keyed by object identity.
  const interned = new Map<string, Peer>();
  const intern = (p: Peer): Peer => {
    const k = peerKey(p);
    const hit = interned.get(k);
    if (hit) return hit;
    interned.set(k, p);
    return p;
  };
  const addrPeers = new Map<string, Peer>();
  const addrPeer = (k: string, make: () => Peer): Peer => {
    const hit = addrPeers.get(k);
    if (hit) return hit;
    const p = make();
    addrPeers.set(k, p);
    return p;
  };
  const serviceTargets = new Map<string, { peer: Peer; port: number }[]>();
  // Names for an address: those its asking workload looked up when the data says who asked (a CDN
  // address serves many names, and each workload gets only its own), else every name it has.
  const namesByIp = new Map<string, string[]>();
  const namesByAsker = new Map<string, string[]>();
  const asked = new Set<string>();
  const addNames = (m: Map<string, string[]>, k: string, names: string[]) => m.set(k, [...new Set([...(m.get(k) ?? []), ...names])].sort());
  for (const h of data.hostnames ?? []) {
    const ip = ipOf(h.ip);
    if (!ip) continue;
    const asker = h.pod ? index.podsByName.get(`${h.pod.namespace}/${h.pod.name}`) : undefined;
    if (asker) {
      asked.add(ip.text);
      addNames(namesByAsker, `${workloadKey(asker.workload)}|${ip.text}`, h.names);
    } else if (!h.pod) addNames(namesByIp, ip.text, h.names);
  }
  const namesFor = (from: PodIdentity, ip: ParsedIp): string[] | undefined =>
    asked.has(ip.text) ? namesByAsker.get(`${workloadKey(from.workload)}|${ip.text}`) : namesByIp.get(ip.text);
  const fqdnPeers: Extract<Peer, { kind: "fqdn" }>[] = [];
  const fqdnPeer = (names: string[], ip: ParsedIp): Peer => {
    const peer = intern({ kind: "fqdn", names, cidrs: [] }) as Extract<Peer, { kind: "fqdn" }>;
    if (peer.cidrs.length === 0) fqdnPeers.push(peer);
    peer.cidrs.push(hostCidr(ip));
    return peer;
  };

  const workloadPeer = (id: PodIdentity, ip: ParsedIp): Peer | null => {
    if (id.hostNetwork) return addrPeer(`node:${ip.text}`, () => ({ kind: "node", cidr: hostCidr(ip), node: id.nodeName ?? "" }));
    let peer = podPeers.get(id);
    if (peer === undefined) {
      peer = newWorkloadPeer(id);
      podPeers.set(id, peer);
    }
    return peer;
  };
  const newWorkloadPeer = (id: PodIdentity): Peer | null => {
    if (!id.selector) {
      warn(
        "unlabeled-peer",
        workloadKey(id.workload),
        `peer ${id.namespace}/${id.name} has no usable labels; its traffic is left out (label its pods, then re-run)`,
      );
      return null;
    }
    return intern({
      kind: "workload",
      workload: id.workload,
      selector: id.selector,
      ...(id.absent ? { absent: id.absent } : {}),
      ...(index.dns && id.namespace === index.dns.namespace && index.dns.selector !== null && matches(index.dns.selector, id.labels)
        ? { role: "dns" as const }
        : {}),
    });
  };

  /** A remote IP that is not a Service: API server, pod, node or external. */
  const apiPeer: Peer | null = index.apiServer ? { kind: "apiserver", cidrs: index.apiServer.cidrs } : null;
  /** `from`: the local pod that dialled out, whose lookups may name the address; absent for ingress. */
  const plainPeer = (ip: ParsedIp, t: number, from?: PodIdentity): Peer | null | "unlabeled" => {
    if (apiPeer && index.apiServer?.endpointIps.has(ip.text)) return apiPeer;
    const pod = podAt(index, ip.text, t);
    if (pod) return workloadPeer(pod, ip) ?? "unlabeled";
    const node = index.nodesByIp.get(ip.text);
    if (node !== undefined) return addrPeer(`node:${ip.text}`, () => ({ kind: "node", cidr: hostCidr(ip), node }));
    const names = from && namesFor(from, ip);
    if (names) return addrPeer(`fqdn:${names.join(",")}|${ip.text}`, () => fqdnPeer(names, ip));
    return addrPeer(`cidr:${ip.text}`, () => ({ kind: "external", cidr: hostCidr(ip) }));
  };

  /** The workloads behind a selector Service and the pod port each serves the Service port on. */
  const behindService = (svc: InventoryService, sp: ServicePort, protocol: Protocol, peerIp: ParsedIp): { peer: Peer; port: number }[] => {
    const memo = `${svc.namespace}/${svc.name}|${sp.port}/${protocol}`;
    const hit = serviceTargets.get(memo);
    if (hit) return hit;
    const out: { peer: Peer; port: number }[] = [];
    serviceTargets.set(memo, out);
    const pods = backingPods(index, svc);
    if (pods.length === 0) {
      // Backing pods unknown (broker-only data): the Service selector is the best peer we have.
      if (typeof sp.targetPort !== "number") {
        warn(
          "named-target-port",
          `${svc.namespace}/${svc.name}`,
          `service ${svc.namespace}/${svc.name} uses named targetPort "${sp.targetPort}" and no backing pod is known; rows to it are skipped`,
        );
        return out;
      }
      const peer = intern({
        kind: "workload",
        workload: { kind: "Service", name: svc.name, namespace: svc.namespace },
        selector: svc.selector as Labels,
        ...(index.dns === svc ? { role: "dns" as const } : {}),
      });
      out.push({ peer, port: sp.targetPort });
      return out;
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
      const peer = workloadPeer(first, peerIp);
      if (peer) out.push({ peer, port: target });
    }
    return out;
  };

  for (const row of data.rows) {
    if (opts.since !== undefined && row.time < opts.since) {
      skip("before-since");
      continue;
    }
    if (!opts.includeDropped && (row.decision === "DROP" || row.decision.toUpperCase() === "DROP")) {
      skip("dropped");
      continue;
    }
    const dir = row.trafficType === "EGRESS" || row.trafficType === "INGRESS" ? row.trafficType : row.trafficType.toUpperCase();
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
    const peerIp = ipOf(row.peerIp);
    const localIp = ipOf(row.podIp);
    if (!peerIp || !row.podName || !row.podNamespace) {
      skip("missing-field");
      continue;
    }
    if (peerIp.loopback) {
      skip("loopback");
      continue;
    }
    if (localIp && localIp.text === peerIp.text) {
      skip("self");
      continue;
    }
    const port = portOf(dir === "INGRESS" ? row.podPort : row.peerPort);
    if (port === null) {
      skip("invalid-port");
      continue;
    }
    const local = localPod(row.podNamespace, row.podName) ?? (localIp ? podAt(index, localIp.text, row.time) : undefined);
    if (!local || local.hostNetwork) {
      skip("unresolved-local");
      continue;
    }
    const self = workloadPeer(local, localIp ?? peerIp);
    if (!self) {
      unexpressed.add(workloadKey(local.workload));
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
      const dst = plainPeer(peerIp, row.time, local);
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
      add(self, apiPeer as Peer, { port: target, protocol }, row, "src");
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
        const ip = ipOf(raw);
        const dst = ip && plainPeer(ip, row.time, local);
        if (dst && dst !== "unlabeled") add(self, dst, { port: epPort.port, protocol }, row, "src");
      }
      continue;
    }
    const targets = behindService(svc, sp, protocol, peerIp);
    if (targets.length === 0) {
      skip("invalid-port");
      continue;
    }
    for (const t of targets) add(self, t.peer, { port: t.port, protocol }, row, "src");
  }

  for (const c of conns) c.evidence.pods.sort();
  for (const p of fqdnPeers) p.cidrs.sort();
  return { connections: conns, skipped, warnings: [...warned.values()], rows: data.rows.length, unexpressed };
}
