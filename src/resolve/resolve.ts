// Turns traffic rows into connections between resolved peers. Pure: everything comes in as arguments.
// A row is first checked (direction, protocol, addresses, port, its local pod), then its remote end
// resolved: a pod, node or external for ingress and plain egress; a Service's backends for egress to
// a Service IP (the API server's endpoints, manual endpoints, or the workloads behind its selector).
import type { ClusterIndex, PodIdentity } from "../model/cluster.ts";
import { workloadKey } from "../model/keys.ts";
import type { InventoryService, Peer, PortProto, Protocol, Resolved, SkipReason, TrafficData, TrafficRow } from "../model/types.ts";
import { podAt } from "./cluster-index.ts";
import { Connections } from "./connections.ts";
import { type ParsedIp, parseIp } from "./ip.ts";
import { PeerResolver, Warnings } from "./peers.ts";

/** What one row became: the connections it was evidence of, or why it was skipped. */
export interface RowOutcome {
  connections: { src: Peer; dst: Peer; port: PortProto }[];
  skipped?: SkipReason;
}

export interface ResolveOptions {
  /** Rows older than this (ms) are ignored. */
  since?: number;
  includeDropped?: boolean;
}

/** 1..65535 written in plain digits, else null; by hand, as it runs once per row. */
function parsePort(s: string): number | null {
  if (s.length === 0 || s.length > 5) return null;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
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

/** A row that passed the checks: its direction, protocol, port, addresses and local end. */
interface Checked {
  row: TrafficRow;
  ingress: boolean;
  protocol: Protocol;
  port: number;
  peerIp: ParsedIp;
  local: PodIdentity;
  self: Peer;
}

class Resolution {
  readonly skipped: Partial<Record<SkipReason, number>> = {};
  readonly unexpressed = new Set<string>();
  readonly warnings = new Warnings();
  readonly conns = new Connections();
  readonly peers: PeerResolver;
  // Memos: a large run sees a few thousand addresses and pods in a million rows.
  readonly ipOf = memo(parseIp);
  private readonly locals = new Map<string, Map<string, PodIdentity | null>>();
  private lastLocal: { name: string; ns: string; pod: PodIdentity | null } | null = null;
  private readonly scratch = {} as Checked;
  private lastPodIp: { raw: string | null; ip: ParsedIp | null } = { raw: null, ip: null };
  private readonly index: ClusterIndex;
  private readonly opts: ResolveOptions;

  constructor(index: ClusterIndex, data: Pick<TrafficData, "hostnames">, opts: ResolveOptions) {
    this.index = index;
    this.opts = opts;
    this.peers = new PeerResolver(index, data.hostnames ?? [], this.ipOf, this.warnings);
  }

  /** What the current row became, while explain traces rows. */
  trace: RowOutcome | null = null;

  skip(r: SkipReason): null {
    this.skipped[r] = (this.skipped[r] ?? 0) + 1;
    if (this.trace) this.trace.skipped = r;
    return null;
  }

  private localPod(ns: string, name: string): PodIdentity | null {
    // Rows arrive one pod's answer at a time: the last one first, then by name and namespace.
    const last = this.lastLocal;
    if (last && last.name === name && last.ns === ns) return last.pod;
    let byNs = this.locals.get(name);
    if (!byNs) {
      byNs = new Map();
      this.locals.set(name, byNs);
    }
    let p = byNs.get(ns);
    if (p === undefined) {
      p = this.index.podsByName.get(`${ns}/${name}`) ?? null;
      byNs.set(ns, p);
    }
    this.lastLocal = { name, ns, pod: p };
    return p;
  }

  /**
   * A row's time is when its connection was first seen; nothing records when it was last used. So a
   * connection first seen before --since still counts when its pod was alive in the window (alive
   * now, or seen by the broker since): it may still be open.
   */
  private aliveSince(row: TrafficRow, since: number): boolean {
    const p = this.localPod(row.podNamespace, row.podName);
    return p !== null && (p.live || (p.lastSeen ?? Number.NEGATIVE_INFINITY) >= since);
  }

  /** The row's facts, or null (counted) when it cannot be evidence. */
  check(row: TrafficRow): Checked | null {
    if (this.opts.since !== undefined && row.time < this.opts.since && !this.aliveSince(row, this.opts.since))
      return this.skip("before-since");
    // The usual spellings first: toUpperCase on a million rows shows in the bench.
    const d = row.decision;
    if (!this.opts.includeDropped && (d === "DROP" || (d !== "ALLOW" && d.toUpperCase() === "DROP"))) return this.skip("dropped");
    const t = row.trafficType;
    const dir = t === "EGRESS" || t === "INGRESS" ? t : t.toUpperCase();
    if (dir !== "INGRESS" && dir !== "EGRESS") return this.skip("unknown-direction");
    const proto = row.protocol;
    if (proto !== "TCP" && proto !== "UDP" && proto !== "SCTP") {
      const p = row.protocol;
      this.warnings.add("unknown-protocol", p, `rows with protocol "${p}" are skipped (only TCP, UDP and SCTP can be allowed by port)`);
      return this.skip("unknown-protocol");
    }
    const peerIp = this.ipOf(row.peerIp);
    // One pod's answer shares its address: compare before hashing it again.
    if (row.podIp !== this.lastPodIp.raw) this.lastPodIp = { raw: row.podIp, ip: this.ipOf(row.podIp) };
    const localIp = this.lastPodIp.ip;
    if (!peerIp || !row.podName || !row.podNamespace) return this.skip("missing-field");
    if (peerIp.loopback) return this.skip("loopback");
    if (localIp && localIp.text === peerIp.text) return this.skip("self");
    const ingress = dir === "INGRESS";
    const port = parsePort(ingress ? row.podPort : row.peerPort);
    if (port === null) return this.skip("invalid-port");
    const local = this.localPod(row.podNamespace, row.podName) ?? (localIp ? podAt(this.index, localIp.text, row.time) : undefined);
    if (!local || local.hostNetwork) return this.skip("unresolved-local");
    const self = this.peers.workload(local, localIp ?? peerIp);
    if (!self) {
      this.unexpressed.add(workloadKey(local.workload));
      return this.skip("unlabeled-peer");
    }
    // Filled in place: consumed before the next row, and a million allocations show in the bench.
    const c = this.scratch;
    c.row = row;
    c.ingress = ingress;
    c.protocol = row.protocol as Protocol;
    c.port = port;
    c.peerIp = peerIp;
    c.local = local;
    c.self = self;
    return c;
  }

  /** Ingress, or egress to an address that is not a Service. */
  direct(c: Checked): void {
    const from = c.ingress ? undefined : c.local;
    const other = c.row.peer ? this.peers.stamped(c.row.peer, c.peerIp, c.row.time, from) : this.peers.plain(c.peerIp, c.row.time, from);
    if (other === "unlabeled") this.skip("unlabeled-peer");
    else if (c.ingress) this.conns.add(other, c.self, c.port, c.protocol, c.row, "dst");
    else this.conns.add(c.self, other, c.port, c.protocol, c.row, "src");
  }

  /** Egress to a Service IP: what enforcement sees after DNAT. */
  toService(c: Checked, svc: InventoryService): void {
    let sp: InventoryService["ports"][number] | undefined;
    for (const p of svc.ports) if (p.port === c.port && p.protocol === c.protocol) sp = sp ?? p;
    if (!sp) {
      const name = `${svc.namespace}/${svc.name}`;
      this.warnings.add("service-port", `${name}:${c.port}`, `service ${name} has no port ${c.port}/${c.protocol}; rows to it are skipped`);
      this.skip("invalid-port");
      return;
    }
    const api = this.index.apiServer;
    if (api?.clusterIPs.has(c.peerIp.text)) {
      const ep = api.ports.find((p) => p.name === sp.name) ?? api.ports[0];
      const target = ep?.port ?? (typeof sp.targetPort === "number" ? sp.targetPort : null);
      if (target === null || api.cidrs.length === 0 || !this.peers.api) {
        this.warnings.add(
          "apiserver-endpoints",
          "kubernetes",
          "the API server's endpoints are unknown; traffic to the kubernetes Service is skipped",
        );
        this.skip("invalid-port");
        return;
      }
      this.conns.add(c.self, this.peers.api, target, c.protocol, c.row, "src");
      return;
    }
    if (!svc.selector) {
      this.toEndpoints(c, svc, sp.name);
      return;
    }
    const targets = this.peers.behindService(svc, sp, c.protocol, c.peerIp);
    if (targets.length === 0) this.skip("invalid-port");
    for (const t of targets) this.conns.add(c.self, t.peer, t.port, c.protocol, c.row, "src");
  }

  /** A Service without selector: its manual endpoints. */
  private toEndpoints(c: Checked, svc: InventoryService, portName: string | undefined): void {
    const eps = svc.endpoints;
    const epPort = eps?.ports.find((p) => p.name === portName) ?? eps?.ports[0];
    if (!eps || !epPort || eps.ips.length === 0) {
      const name = `${svc.namespace}/${svc.name}`;
      this.warnings.add("service-endpoints", name, `service ${name} has no selector and no known endpoints; rows to it are skipped`);
      this.skip("unresolved-local");
      return;
    }
    for (const raw of eps.ips) {
      const ip = this.ipOf(raw);
      const dst = ip && this.peers.plain(ip, c.row.time, c.local);
      if (dst && dst !== "unlabeled") this.conns.add(c.self, dst, epPort.port, c.protocol, c.row, "src");
    }
  }
}

/**
 * Rows folded into connections as they arrive (one pod's answer at a time), so that no stage needs all
 * rows at once: memory grows with connections and pods, not rows.
 */
export class TrafficFold {
  private readonly r: Resolution;
  private readonly index: ClusterIndex;
  private rows = 0;
  constructor(index: ClusterIndex, data: Pick<TrafficData, "hostnames">, opts: ResolveOptions = {}) {
    this.index = index;
    this.r = new Resolution(index, data, opts);
  }

  add(rows: readonly TrafficRow[]): void {
    const r = this.r;
    this.rows += rows.length;
    for (const row of rows) this.one(r, row);
  }

  private one(r: Resolution, row: TrafficRow): void {
    const c = r.check(row);
    if (!c) return;
    const svc = c.ingress ? undefined : this.index.servicesByIp.get(c.peerIp.text);
    if (svc) r.toService(c, svc);
    else r.direct(c);
  }

  /** As add, telling `onRow` what each row became (explain); the same resolution, row by row. */
  trace(rows: readonly TrafficRow[], onRow: (row: TrafficRow, out: RowOutcome) => void): void {
    const r = this.r;
    this.rows += rows.length;
    for (const row of rows) {
      const out: RowOutcome = { connections: [] };
      r.trace = out;
      r.conns.listener = (c) => out.connections.push(c);
      this.one(r, row);
      onRow(row, out);
    }
    r.trace = null;
    r.conns.listener = null;
  }

  done(): Resolved {
    const r = this.r;
    r.peers.done();
    return { connections: r.conns.done(), skipped: r.skipped, warnings: r.warnings.list(), rows: this.rows, unexpressed: r.unexpressed };
  }
}

export function resolveTraffic(index: ClusterIndex, data: TrafficData, opts: ResolveOptions = {}): Resolved {
  const fold = new TrafficFold(index, data, opts);
  fold.add(data.rows);
  return fold.done();
}
