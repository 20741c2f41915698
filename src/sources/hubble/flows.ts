// Hubble flows (`hubble observe -o json` lines, with or without the {"flow": …} wrapper, and Hubble's
// flow-export files) as the evidence a broker would hold: each allowed, non-reply L3/L4 flow is the row
// its observing endpoint would have recorded (EGRESS at the source, INGRESS at the destination, the
// other end's identity stamped as the row's peer), one row per distinct tuple with the first time kept;
// the pods come from the flows' own endpoints. Pure: lines in, records out.
import ipaddr from "ipaddr.js";
import * as z from "zod/mini";
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from "../../model/k8s-names.ts";
import { requestKey } from "../../model/keys.ts";
import type { BrokerPod, Inventory, InventoryNamespace, Labels, TrafficRow } from "../../model/types.ts";

const text = z.catch(z.optional(z.string()), undefined);
const Workload = z.object({ name: z.string(), kind: z.string() });
const Endpoint = z.object({
  namespace: text,
  pod_name: text,
  labels: z.catch(z.optional(z.array(z.string())), undefined),
  workloads: z.catch(z.optional(z.array(Workload)), undefined),
});
const Ports = z.object({ source_port: z.optional(z.number()), destination_port: z.optional(z.number()) });
const L7 = z.object({
  type: text,
  http: z.catch(z.optional(z.object({ method: text, url: text })), undefined),
});
const Flow = z.object({
  time: text,
  uuid: text,
  verdict: text,
  Type: text,
  node_name: text,
  traffic_direction: text,
  is_reply: z.catch(z.optional(z.boolean()), undefined),
  IP: z.catch(z.optional(z.object({ source: z.string(), destination: z.string() })), undefined),
  l4: z.catch(z.optional(z.object({ TCP: z.optional(Ports), UDP: z.optional(Ports), SCTP: z.optional(Ports) })), undefined),
  source: z.catch(z.optional(Endpoint), undefined),
  destination: z.catch(z.optional(Endpoint), undefined),
  l7: z.catch(z.optional(L7), undefined),
});
type FlowWire = z.infer<typeof Flow>;
type EndpointWire = z.infer<typeof Endpoint>;

/** Why a flow is not a row; counted and shown. */
export type FlowSkip = "reply" | "dropped" | "audit" | "other-verdict" | "l7" | "no-direction" | "no-endpoint" | "no-ports" | "malformed";

export interface HubbleRead {
  rows: TrafficRow[];
  pods: BrokerPod[];
  /** Namespaces with the labels Cilium copies onto each endpoint (io.cilium.k8s.namespace.labels.*). */
  namespaces: InventoryNamespace[];
  flows: number;
  skipped: Partial<Record<FlowSkip, number>>;
  /** Verdicts other than FORWARDED, DROPPED and AUDIT, by name. */
  verdicts: Record<string, number>;
}

const NS_LABEL = "io.cilium.k8s.namespace.labels.";
// Labels Cilium derives itself; a pod's own labels are the rest of the k8s: ones.
const DERIVED = /^(io\.cilium\.k8s\.policy\.|io\.kubernetes\.pod\.namespace$|io\.cilium\.k8s\.namespace\.labels\.)/;

/** A pod's labels and its namespace's, from Cilium's "k8s:key=value" identity labels; null if one is not a valid label. */
function labelsOf(list: string[] | undefined): { pod: Labels; ns: Labels } | null {
  const pod: Labels = {};
  const ns: Labels = {};
  for (const l of list ?? []) {
    if (!l.startsWith("k8s:")) continue;
    const eq = l.indexOf("=");
    const key = eq < 0 ? l.slice(4) : l.slice(4, eq);
    const value = eq < 0 ? "" : l.slice(eq + 1);
    const into = key.startsWith(NS_LABEL) ? ns : DERIVED.test(key) ? null : pod;
    const k = key.startsWith(NS_LABEL) ? key.slice(NS_LABEL.length) : key;
    if (!into) continue;
    if (!isLabelKey(k) || !isLabelValue(value)) return null;
    into[k] = value;
  }
  return { pod, ns };
}

const isPod = (e: EndpointWire | undefined): e is EndpointWire & { namespace: string; pod_name: string } =>
  e !== undefined && isDnsLabel(e.namespace ?? "") && isDnsSubdomain(e.pod_name ?? "");

function portsOf(f: FlowWire): { protocol: string; src: number; dst: number } | null {
  const l4 = f.l4;
  const [protocol, p] = l4?.TCP ? ["TCP", l4.TCP] : l4?.UDP ? ["UDP", l4.UDP] : l4?.SCTP ? ["SCTP", l4.SCTP] : [null, null];
  if (!protocol || !p) return null;
  const ok = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65535;
  return ok(p.source_port) && ok(p.destination_port) ? { protocol, src: p.source_port as number, dst: p.destination_port as number } : null;
}

const validIp = (s: string): string | null => (ipaddr.isValid(s) ? ipaddr.process(s).toString() : null);

/** Hubble lines, one at a time: constant work per line, memory per distinct tuple and endpoint. */
export class HubbleFlowReader {
  private readonly rows = new Map<string, TrafficRow>();
  private readonly pods = new Map<string, BrokerPod>();
  private readonly namespaces = new Map<string, Labels>();
  private readonly skipped: Partial<Record<FlowSkip, number>> = {};
  private readonly verdicts: Record<string, number> = {};
  private flows = 0;
  private readonly includeAudit: boolean;

  constructor(o: { includeAudit?: boolean } = {}) {
    this.includeAudit = o.includeAudit === true;
  }

  /** Counts the skip; undefined, so that a check can `return this.skip(…)`. */
  private skip(r: FlowSkip): undefined {
    this.skipped[r] = (this.skipped[r] ?? 0) + 1;
  }

  add(line: string): undefined {
    const t = line.trim();
    if (!t) return;
    let doc: unknown;
    try {
      doc = JSON.parse(t);
    } catch {
      return this.skip("malformed");
    }
    const inner = doc !== null && typeof doc === "object" && "flow" in doc ? (doc as { flow: unknown }).flow : doc;
    // Export files and `observe` also carry node and lost-event records: not flows, not counted.
    if (inner === null || typeof inner !== "object" || !("verdict" in inner || "IP" in inner || "source" in inner)) return;
    const r = Flow.safeParse(inner);
    this.flows++;
    if (!r.success) return this.skip("malformed");
    this.flow(r.data);
  }

  private flow(f: FlowWire): undefined {
    const time = Date.parse(f.time ?? "");
    const src = validIp(f.IP?.source ?? "");
    const dst = validIp(f.IP?.destination ?? "");
    if (Number.isNaN(time) || !src || !dst) return this.skip("malformed");
    // Replies are the answer on a connection already counted, never a connection of their own.
    if (f.is_reply === true) return this.skip("reply");
    const verdict = f.verdict ?? "";
    const decision =
      verdict === "FORWARDED" || (verdict === "AUDIT" && this.includeAudit) ? "ALLOW" : verdict === "DROPPED" ? "DROP" : null;
    if (!decision) {
      if (verdict === "AUDIT") return this.skip("audit");
      const shown = verdict.slice(0, 40) || "(none)";
      this.verdicts[shown] = (this.verdicts[shown] ?? 0) + 1;
      return this.skip("other-verdict");
    }
    const http = f.Type === "L7" ? requestOf(f) : undefined;
    // Responses and non-HTTP L7 records (DNS: --hostnames reads those) add no request.
    if (f.Type === "L7" && !http) return this.skip("l7");
    const dir = f.traffic_direction;
    if (dir !== "EGRESS" && dir !== "INGRESS") return this.skip("no-direction");
    const ports = portsOf(f);
    if (!ports) return this.skip("no-ports");
    const egress = dir === "EGRESS";
    const local = egress ? f.source : f.destination;
    const remote = egress ? f.destination : f.source;
    if (!isPod(local)) return this.skip("no-endpoint");
    const localIp = egress ? src : dst;
    const localLabels = this.endpoint(local, localIp, time, f.node_name);
    if (!localLabels) return this.skip("malformed");
    const remoteIsPod = isPod(remote) && this.endpoint(remote, egress ? dst : src, time, undefined) !== null;
    const row: TrafficRow = {
      uuid: f.uuid ?? "",
      podName: local.pod_name,
      podNamespace: local.namespace,
      podIp: localIp,
      // As the agent records them: an egress row's own (ephemeral) port is "0"; an ingress row's is the port served.
      podPort: String(egress ? 0 : ports.dst),
      protocol: ports.protocol,
      trafficType: dir,
      peerIp: egress ? dst : src,
      peerPort: String(egress ? ports.dst : ports.src),
      decision,
      time,
      ...(remoteIsPod ? { peer: { kind: "pod" as const, namespace: remote.namespace, name: remote.pod_name, ...workloadOf(remote) } } : {}),
      ...(http ? { http } : {}),
    };
    // One row per distinct tuple, the first time kept: what a 1.20 broker row means. A request is one
    // per client address, method and path (not per client port: paths times connections would grow).
    const tuple = `${row.podNamespace}/${row.podName}|${dir}|${row.protocol}|${row.podPort}|${row.peerIp}`;
    const key = http ? `${tuple}|${decision}|${requestKey(http)}` : `${tuple}|${row.peerPort}|${decision}`;
    const seen = this.rows.get(key);
    if (!seen) this.rows.set(key, row);
    else if (time < seen.time) this.rows.set(key, { ...row, uuid: seen.uuid });
  }

  /** The endpoint's pod recorded (first and last seen, its addresses); null when its labels are not valid. */
  private endpoint(
    e: EndpointWire & { namespace: string; pod_name: string },
    ip: string,
    time: number,
    node: string | undefined,
  ): Labels | null {
    const labels = labelsOf(e.labels);
    if (!labels) return null;
    const key = `${e.namespace}/${e.pod_name}`;
    const p = this.pods.get(key);
    if (Object.keys(labels.ns).length > 0 && !this.namespaces.has(e.namespace)) this.namespaces.set(e.namespace, labels.ns);
    if (!p) {
      this.pods.set(key, {
        name: e.pod_name,
        namespace: e.namespace,
        ip,
        ips: [ip],
        labels: labels.pod,
        ownerReferences: [],
        ...workloadOf(e),
        nodeName: node ?? "",
        hostNetwork: false,
        isDead: false,
        time,
        startedAt: time,
      });
      return labels.pod;
    }
    if (!p.ips.includes(ip)) p.ips.push(ip);
    if (node && !p.nodeName) p.nodeName = node;
    p.time = Math.max(p.time, time);
    p.startedAt = Math.min(p.startedAt ?? time, time);
    return p.labels;
  }

  result(): HubbleRead {
    const byKey = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    return {
      rows: byKey(this.rows),
      pods: byKey(this.pods),
      namespaces: byKey(new Map([...this.namespaces].map(([name, labels]) => [name, { name, labels }]))),
      flows: this.flows,
      skipped: { ...this.skipped },
      verdicts: { ...this.verdicts },
    };
  }
}

/** Longest :path kept; a longer one is recorded as unreadable (its port's L7 detail then cannot be written). */
export const MAX_PATH = 4096;

/** An HTTP request record: its method and whole :path ("" when the URL cannot be read or is too long). */
function requestOf(f: FlowWire): { method: string; path: string } | undefined {
  const h = f.l7?.http;
  if (f.l7?.type !== "REQUEST" || !h?.method) return undefined;
  const url = h.url ?? "";
  let path = "";
  if (url.length <= MAX_PATH) {
    if (url.startsWith("/")) path = url;
    else if (URL.canParse(url)) {
      const u = new URL(url);
      path = `${u.pathname}${u.search}`;
    }
  }
  return { method: h.method.slice(0, 32), path: path.length <= MAX_PATH ? path : "" };
}

/** The pod's top controller as Cilium names it (workloads[0]), when it is a valid name. */
function workloadOf(e: EndpointWire): { workload?: { kind: string; name: string } } {
  const w = e.workloads?.[0];
  return w && isDnsSubdomain(w.name) && /^[A-Z][A-Za-z]{0,62}$/.test(w.kind) ? { workload: { kind: w.kind, name: w.name } } : {};
}

/** An inventory from the flows alone: their namespaces (with the labels Cilium copies) and nothing else. */
export function offlineInventory(read: HubbleRead): Inventory {
  const labelled = new Map(read.namespaces.map((n) => [n.name, n.labels]));
  const names = [...new Set(read.pods.map((p) => p.namespace))].sort();
  return {
    namespaces: names.map((name) => ({ name, labels: labelled.get(name) ?? { "kubernetes.io/metadata.name": name } })),
    nodes: [],
    workloads: [],
    pods: [],
    services: [],
  };
}
