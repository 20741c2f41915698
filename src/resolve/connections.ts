// Folds resolved rows into connections, one per (source, destination, port). A connection seen by both
// ends is one flow with two rows: rows are counted per end and the larger count kept.
import { requestKey } from "../model/keys.ts";
import type { Connection, Peer, PortProto, Protocol, TrafficRow } from "../model/types.ts";

interface Entry {
  conn: Connection;
  src: number;
  dst: number;
  /** The pods that saw it, as a set while rows arrive (a workload's history holds many replicas). */
  pods: Set<string>;
  /** Known so far only from L7 requests: the first L4 row counts as the same connection. */
  l7only: boolean;
}
const PROTO_CODE: Record<Protocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };

export class Connections {
  private readonly entries: Entry[] = [];
  // Nested maps by peer object and port, not string keys: this runs once per row.
  private readonly bySrc = new Map<Peer, Map<Peer, Map<number, Entry>>>();
  /** Told of every connection a row adds (explain traces rows; a run does not). */
  listener: ((c: { src: Peer; dst: Peer; port: PortProto }) => void) | null = null;

  add(src: Peer, dst: Peer, port: number, protocol: Protocol, row: TrafficRow, seenAt: "src" | "dst"): void {
    if (this.listener) this.listener({ src, dst, port: { port, protocol } });
    let byDst = this.bySrc.get(src);
    if (!byDst) {
      byDst = new Map();
      this.bySrc.set(src, byDst);
    }
    let byPort = byDst.get(dst);
    if (!byPort) {
      byPort = new Map();
      byDst.set(dst, byPort);
    }
    const pk = port * 4 + PROTO_CODE[protocol];
    const entry = byPort.get(pk);
    if (!entry) {
      const conn: Connection = {
        src,
        dst,
        port: { port, protocol },
        evidence: { flows: 1, firstSeen: row.time, lastSeen: row.time, pods: [] },
        ...(row.http ? { http: new Map([[requestKey(row.http), 1]]) } : {}),
      };
      const fresh = {
        conn,
        src: seenAt === "src" ? 1 : 0,
        dst: seenAt === "dst" ? 1 : 0,
        pods: new Set([row.podName]),
        l7only: row.http !== undefined,
      };
      byPort.set(pk, fresh);
      this.entries.push(fresh);
      return;
    }
    const e = entry.conn.evidence;
    if (row.time < e.firstSeen) e.firstSeen = row.time;
    if (row.time > e.lastSeen) e.lastSeen = row.time;
    entry.pods.add(row.podName);
    if (row.http) {
      // A request is evidence of what the connection carried, not another connection.
      const seen = entry.conn.http ?? new Map<string, number>();
      entry.conn.http = seen;
      const k = requestKey(row.http);
      seen.set(k, (seen.get(k) ?? 0) + 1);
      return;
    }
    if (entry.l7only) {
      entry.l7only = false;
      return;
    }
    entry[seenAt]++;
    e.flows = Math.max(entry.src, entry.dst);
  }

  /** Sorted evidence, once every row is in. */
  done(): Connection[] {
    return this.entries.map((x) => {
      x.conn.evidence.pods = [...x.pods].sort();
      return x.conn;
    });
  }
}
