// One /pod/info and one /svc/info per run, then per-pod traffic with bounded concurrency.
import type { BrokerPod, BrokerService, TrafficData, TrafficRow } from "../../model/types.ts";
import { type BrokerClient, BrokerError, parseTraffic } from "./client.ts";
import { readLimit } from "./limit.ts";
import { brokerLine } from "./schema.ts";

export interface PodRef {
  name: string;
  namespace: string;
}

export interface FetchResult {
  data: TrafficData;
  /** The validated wire records, as a snapshot stores them. */
  wire: { pods: unknown[]; services: unknown[]; traffic: unknown[] };
  malformed: { traffic: number; pods: number; services: number };
  /** Pods whose traffic could not be fetched. */
  failures: { pod: PodRef; error: BrokerError }[];
  /** Pod names whose answer reached the broker's per-pod cap: their oldest rows were not served. */
  truncated: string[];
  requests: number;
  /** Waits on a busy broker. */
  busyWaits: number;
}

/** The 1.13.1+ broker serves a pod's newest 20,000 rows and says nothing of the rest. */
export const PER_POD_CAP = 20_000;

export interface FetchOptions {
  concurrency: number;
  /** Keep the raw records (for snapshots); a plain run drops them to halve its memory. */
  keepWire?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Each answer's rows as it arrives; given, rows are handed over and not kept (data.rows stays empty). */
  onRows?: (rows: TrafficRow[]) => void;
  /**
   * Each answer's raw traffic records as it arrives, with its place in the request order (pod names
   * sorted; a failed read gives none), so that a snapshot streams them to its file; given, they are not kept.
   */
  onWire?: (index: number, wire: unknown[]) => void;
}

/** What is known before any traffic is read: the broker's line, its pods and Services. */
export interface BrokerCatalog {
  broker: "1.12" | "1.20";
  pods: BrokerPod[];
  services: BrokerService[];
}

export async function fetchBrokerData(
  client: BrokerClient,
  choose: (catalog: BrokerCatalog) => PodRef[],
  o: FetchOptions,
): Promise<FetchResult> {
  await client.health();
  const [pods, services] = await Promise.all([client.podInfo(), client.svcInfo()]);
  const line = brokerLine(pods.wire);
  const wanted = choose({ broker: line, pods: pods.items, services: services.items });
  // The broker keys traffic by pod name across namespaces: one call per name, rows filtered by namespace.
  const byName = new Map<string, Set<string>>();
  for (const p of wanted) byName.set(p.name, (byName.get(p.name) ?? new Set()).add(p.namespace));
  const names = [...byName.keys()].sort();
  const failures: FetchResult["failures"] = [];
  const truncated: string[] = [];
  let done = 0;
  let malformedTraffic = 0;
  const keep = o.keepWire === true || o.onWire !== undefined;
  // Each read's successor starts before its answer is parsed and folded: the broker's latency overlaps our work.
  const results = await readLimit(
    names,
    o.concurrency,
    (name) => client.podTrafficBody(name),
    (answer, name, index) => {
      let wire: unknown[] = [];
      try {
        if (!answer.ok) throw answer.error;
        const r = parseTraffic(answer.value);
        malformedTraffic += r.malformed;
        // Only the 1.13.1+ broker caps; a 1.12 one serves every row.
        if (line === "1.20" && r.items.length + r.malformed >= PER_POD_CAP) truncated.push(name);
        const ns = byName.get(name) as Set<string>;
        const rows: TrafficRow[] = [];
        r.items.forEach((row, i) => {
          if (!ns.has(row.podNamespace)) return;
          rows.push(row);
          if (keep) wire.push(r.wire[i]);
        });
        if (o.onWire) {
          o.onWire(index, wire);
          wire = [];
        }
        if (!o.onRows) return { rows, wire };
        o.onRows(rows);
        return { rows: [] as TrafficRow[], wire };
      } catch (e) {
        if (!(e instanceof BrokerError) || e.kind === "unauthorized" || e.kind === "forbidden" || e.kind === "unreachable") throw e;
        for (const namespace of byName.get(name) ?? []) failures.push({ pod: { name, namespace }, error: e });
        o.onWire?.(index, []);
        return { rows: [] as TrafficRow[], wire: [] as unknown[] };
      } finally {
        o.onProgress?.(++done, names.length);
      }
    },
  );
  return {
    data: { broker: line, pods: pods.items, services: services.items, rows: results.flatMap((x) => x.rows) },
    wire: keep
      ? { pods: pods.wire, services: services.wire, traffic: o.onWire ? [] : results.flatMap((x) => x.wire) }
      : { pods: [], services: [], traffic: [] },
    malformed: { traffic: malformedTraffic, pods: pods.malformed, services: services.malformed },
    failures,
    truncated: truncated.sort(),
    requests: client.requests.count,
    busyWaits: client.busy.count,
  };
}
