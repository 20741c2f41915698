// Who is at the other end of a row: the API server, a workload (via its pod, or behind a Service and
// its target port), a node, or an address outside the cluster (by name when the data names it).
// One object per peer, so that connections can be keyed by object identity.
import type { ClusterIndex, PodIdentity } from "../model/cluster.ts";
import { peerKey, workloadKey } from "../model/keys.ts";
import { matches } from "../model/selector.ts";
import type { Hostname, InventoryService, Labels, Peer, Protocol, ServicePort, TrafficRow, Warning } from "../model/types.ts";
import { backingPods, podAt } from "./cluster-index.ts";
import { hostCidr, type ParsedIp } from "./ip.ts";

type FqdnPeer = Extract<Peer, { kind: "fqdn" }>;
export type Target = { peer: Peer; port: number };

/** Warnings, once per code and key. */
export class Warnings {
  private readonly seen = new Map<string, Warning>();
  add(code: string, key: string, message: string): void {
    if (!this.seen.has(`${code}:${key}`)) this.seen.set(`${code}:${key}`, { code, message });
  }
  list(): Warning[] {
    return [...this.seen.values()];
  }
}

export class PeerResolver {
  private readonly interned = new Map<string, Peer>();
  private readonly byAddress = new Map<string, Peer>();
  private readonly byPod = new Map<PodIdentity, Peer | null>();
  private readonly stampedByIp = new Map<ParsedIp, { name: string; namespace: string; peer: Peer | "unlabeled" }>();
  private readonly serviceTargets = new Map<ServicePort, Map<Protocol, Target[]>>();
  private readonly fqdnPeers: FqdnPeer[] = [];
  private readonly names: Names;
  private readonly apiPeer: Peer | null;
  private readonly index: ClusterIndex;
  private readonly warnings: Warnings;

  constructor(index: ClusterIndex, hostnames: Hostname[], parse: (ip: string) => ParsedIp | null, warnings: Warnings) {
    this.index = index;
    this.warnings = warnings;
    this.names = new Names(index, hostnames, parse);
    this.apiPeer = index.apiServer ? { kind: "apiserver", cidrs: index.apiServer.cidrs } : null;
  }

  get api(): Peer | null {
    return this.apiPeer;
  }

  private intern(p: Peer): Peer {
    const k = peerKey(p);
    const hit = this.interned.get(k);
    if (hit) return hit;
    this.interned.set(k, p);
    return p;
  }

  private addressPeer(k: string, make: () => Peer): Peer {
    const hit = this.byAddress.get(k);
    if (hit) return hit;
    const p = make();
    this.byAddress.set(k, p);
    return p;
  }

  /** A node (or a host-network pod on it) by address; the first name given for the address stays. */
  private node(ip: ParsedIp, name: string): Peer {
    return this.addressPeer(`node:${ip.text}`, () => ({ kind: "node", cidr: hostCidr(ip), node: name }));
  }

  /** A pod's workload, or its node for a host-network pod; null when it has no usable selector. */
  workload(id: PodIdentity, ip: ParsedIp): Peer | null {
    if (id.hostNetwork) return this.node(ip, id.nodeName ?? "");
    let peer = this.byPod.get(id);
    if (peer === undefined) {
      peer = this.newWorkloadPeer(id);
      this.byPod.set(id, peer);
    }
    return peer;
  }

  private newWorkloadPeer(id: PodIdentity): Peer | null {
    if (!id.selector) {
      this.warnings.add(
        "unlabeled-peer",
        workloadKey(id.workload),
        `peer ${id.namespace}/${id.name} has no usable labels; its traffic is left out (label its pods, then re-run)`,
      );
      return null;
    }
    const dns = this.index.dns;
    const isDns = dns !== null && id.namespace === dns.namespace && dns.selector !== null && matches(dns.selector, id.labels);
    return this.intern({
      kind: "workload",
      workload: id.workload,
      selector: id.selector,
      ...(id.absent ? { absent: id.absent } : {}),
      ...(isDns ? { role: "dns" as const } : {}),
    });
  }

  /**
   * A remote IP that is not a Service: API server, pod, node or external. `from`: the local pod that
   * dialled out, whose lookups may name the address; absent for ingress. "unlabeled": a pod without
   * a usable selector.
   */
  plain(ip: ParsedIp, t: number, from?: PodIdentity): Peer | "unlabeled" {
    if (this.apiPeer && this.index.apiServer?.endpointIps.has(ip.text)) return this.apiPeer;
    const pod = podAt(this.index, ip.text, t);
    if (pod) return this.workload(pod, ip) ?? "unlabeled";
    const node = this.index.nodesByIp.get(ip.text);
    if (node !== undefined) return this.node(ip, node);
    const names = from && this.names.of(from, ip);
    if (names) return this.addressPeer(`fqdn:${names.join(",")}|${ip.text}`, () => this.fqdn(names, ip));
    return this.addressPeer(`cidr:${ip.text}`, () => ({ kind: "external", cidr: hostCidr(ip) }));
  }

  /**
   * The peer the broker stamped when it saw the flow (1.15.1+): that pod, even if another holds its
   * address now; a node. What the index does not know falls back to the address.
   */
  stamped(peer: NonNullable<TrafficRow["peer"]>, ip: ParsedIp, t: number, from?: PodIdentity): Peer | "unlabeled" {
    if (this.apiPeer && this.index.apiServer?.endpointIps.has(ip.text)) return this.apiPeer;
    if (peer.kind === "pod") {
      // An address mostly keeps its stamped pod: one lookup per address, not per row.
      const last = this.stampedByIp.get(ip);
      if (last && last.name === peer.name && last.namespace === peer.namespace) return last.peer;
      const id = this.index.podsByName.get(`${peer.namespace}/${peer.name}`);
      if (id) {
        const found = this.workload(id, ip) ?? "unlabeled";
        this.stampedByIp.set(ip, { name: peer.name, namespace: peer.namespace, peer: found });
        return found;
      }
    }
    if (peer.kind === "node") return this.node(ip, this.index.nodesByIp.get(ip.text) ?? "");
    return this.plain(ip, t, from);
  }

  private fqdn(names: string[], ip: ParsedIp): Peer {
    const peer = this.intern({ kind: "fqdn", names, cidrs: [] }) as FqdnPeer;
    if (peer.cidrs.length === 0) this.fqdnPeers.push(peer);
    peer.cidrs.push(hostCidr(ip));
    return peer;
  }

  /** The workloads behind a selector Service and the pod port each serves the Service port on. */
  behindService(svc: InventoryService, sp: ServicePort, protocol: Protocol, peerIp: ParsedIp): Target[] {
    // Per Service port object and protocol: no key string built per row.
    let byProto = this.serviceTargets.get(sp);
    if (!byProto) {
      byProto = new Map();
      this.serviceTargets.set(sp, byProto);
    }
    let out = byProto.get(protocol);
    if (out) return out;
    const pods = backingPods(this.index, svc);
    out = pods.length === 0 ? this.serviceOnly(svc, sp) : this.backends(svc, sp, protocol, peerIp, pods);
    byProto.set(protocol, out);
    return out;
  }

  /** Backing pods unknown (broker-only data): the Service selector is the best peer we have. */
  private serviceOnly(svc: InventoryService, sp: ServicePort): Target[] {
    const name = `${svc.namespace}/${svc.name}`;
    if (typeof sp.targetPort !== "number") {
      this.warnings.add(
        "named-target-port",
        name,
        `service ${name} uses named targetPort "${sp.targetPort}" and no backing pod is known; rows to it are skipped`,
      );
      return [];
    }
    const peer = this.intern({
      kind: "workload",
      workload: { kind: "Service", name: svc.name, namespace: svc.namespace },
      selector: svc.selector as Labels,
      ...(this.index.dns === svc ? { role: "dns" as const } : {}),
    });
    return [{ peer, port: sp.targetPort }];
  }

  private backends(svc: InventoryService, sp: ServicePort, protocol: Protocol, peerIp: ParsedIp, pods: PodIdentity[]): Target[] {
    const name = `${svc.namespace}/${svc.name}`;
    const byWorkload = new Map<string, PodIdentity[]>();
    for (const p of pods) {
      const k = workloadKey(p.workload);
      byWorkload.set(k, [...(byWorkload.get(k) ?? []), p]);
    }
    const out: Target[] = [];
    for (const [, group] of [...byWorkload].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const first = group[0] as PodIdentity;
      const target =
        typeof sp.targetPort === "number"
          ? sp.targetPort
          : group.flatMap((p) => p.containerPorts).find((c) => c.name === sp.targetPort && c.protocol === protocol)?.port;
      if (target === undefined) {
        this.warnings.add(
          "named-target-port",
          `${name}/${sp.targetPort}`,
          `no pod behind service ${name} declares port "${sp.targetPort}"; rows to it are skipped`,
        );
        continue;
      }
      if (first.hostNetwork) {
        this.warnings.add("hostnetwork-backend", name, `service ${name} is backed by host-network pods; rows to it are skipped`);
        continue;
      }
      const peer = this.workload(first, peerIp);
      if (peer) out.push({ peer, port: target });
    }
    return out;
  }

  /** Sorted addresses of named peers, once every row is in. */
  done(): void {
    for (const p of this.fqdnPeers) p.cidrs.sort();
  }
}

/**
 * Names for an address: those its asking workload looked up when the data says who asked (a CDN
 * address serves many names, and each workload gets only its own), else every name it has.
 */
class Names {
  private readonly byIp = new Map<string, string[]>();
  private readonly byAsker = new Map<string, string[]>();
  private readonly asked = new Set<string>();

  constructor(index: ClusterIndex, hostnames: Hostname[], parse: (ip: string) => ParsedIp | null) {
    const add = (m: Map<string, string[]>, k: string, names: string[]) => m.set(k, [...new Set([...(m.get(k) ?? []), ...names])].sort());
    for (const h of hostnames) {
      const ip = parse(h.ip);
      if (!ip) continue;
      const asker = h.pod ? index.podsByName.get(`${h.pod.namespace}/${h.pod.name}`) : undefined;
      if (asker) {
        this.asked.add(ip.text);
        add(this.byAsker, `${workloadKey(asker.workload)}|${ip.text}`, h.names);
      } else if (!h.pod) add(this.byIp, ip.text, h.names);
    }
  }

  of(from: PodIdentity, ip: ParsedIp): string[] | undefined {
    return this.asked.has(ip.text) ? this.byAsker.get(`${workloadKey(from.workload)}|${ip.text}`) : this.byIp.get(ip.text);
  }
}
