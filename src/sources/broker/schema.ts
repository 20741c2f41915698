// Wire shapes of the kguardian broker (snake_case, nullable) and their normalisation.
import * as z from "zod/mini";
import { isDnsLabel, isDnsSubdomain, validLabels } from "../../model/k8s-names.ts";
import type { BrokerPod, BrokerService, Labels, Protocol, ServicePort, TrafficRow } from "../../model/types.ts";

const str = z.nullable(z.string());
// Naive UTC datetime as chrono serialises it; the fraction is left out when zero.
const naiveTime = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/));

export const PodTrafficWire = z.object({
  uuid: z.string(),
  pod_name: str,
  pod_namespace: str,
  pod_ip: str,
  pod_port: str,
  ip_protocol: str,
  traffic_type: str,
  traffic_in_out_ip: str,
  traffic_in_out_port: str,
  decision: str,
  time_stamp: naiveTime,
  // 1.15.1+ (the 1.20 line): who the peer was, stamped when the flow was seen; null when unresolved.
  peer_kind: z.optional(str),
  peer_namespace: z.optional(str),
  peer_name: z.optional(str),
  peer_uid: z.optional(str),
  peer_workload_kind: z.optional(str),
  peer_workload_name: z.optional(str),
  peer_resolved_at: z.optional(z.nullable(naiveTime)),
});
export type PodTrafficWire = z.infer<typeof PodTrafficWire>;

const NAIVE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const TRAFFIC_STRINGS = [
  "pod_name",
  "pod_namespace",
  "pod_ip",
  "pod_port",
  "ip_protocol",
  "traffic_type",
  "traffic_in_out_ip",
  "traffic_in_out_port",
  "decision",
] as const;
const PEER_STRINGS = ["peer_kind", "peer_namespace", "peer_name", "peer_uid", "peer_workload_kind", "peer_workload_name"] as const;

/**
 * PodTrafficWire's checks by hand: a pod's answer holds up to 20,000 rows, and the schema library's
 * generic walk was the run's largest cost. Accepts exactly what PodTrafficWire accepts (a test holds
 * them to it); returns the element itself, unknown keys left in place (nothing reads them).
 */
export const TrafficRowCheck = {
  safeParse(el: unknown): { success: true; data: PodTrafficWire } | { success: false } {
    if (typeof el !== "object" || el === null || Array.isArray(el)) return { success: false };
    const o = el as Record<string, unknown>;
    if (typeof o.uuid !== "string" || typeof o.time_stamp !== "string" || !NAIVE.test(o.time_stamp)) return { success: false };
    for (const k of TRAFFIC_STRINGS) {
      const v = o[k];
      if (v !== null && typeof v !== "string") return { success: false };
    }
    for (const k of PEER_STRINGS) {
      const v = o[k];
      if (v !== undefined && v !== null && typeof v !== "string") return { success: false };
    }
    const at = o.peer_resolved_at;
    if (at !== undefined && at !== null && (typeof at !== "string" || !NAIVE.test(at))) return { success: false };
    return { success: true, data: el as PodTrafficWire };
  },
};

const labelMap = z.record(z.string(), z.string());

export const PodDetailWire = z.object({
  pod_name: z.string(),
  pod_ip: z.string(),
  pod_namespace: str,
  pod_obj: z.nullable(z.unknown()),
  time_stamp: naiveTime,
  node_name: z.string(),
  is_dead: z.boolean(),
  pod_identity: z.optional(str),
  workload_selector_labels: z.optional(z.nullable(z.unknown())),
  // 1.13+ (the 1.20 line): every address, the top controller, host network, the pod's start.
  pod_ips: z.optional(z.nullable(z.array(z.string()))),
  workload_kind: z.optional(str),
  workload_name: z.optional(str),
  capture_level: z.optional(str),
  host_network: z.optional(z.nullable(z.boolean())),
  started_at: z.optional(z.nullable(naiveTime)),
});
export type PodDetailWire = z.infer<typeof PodDetailWire>;

export const SvcDetailWire = z.object({
  svc_ip: z.string(),
  svc_name: str,
  svc_namespace: str,
  service_spec: z.nullable(z.unknown()),
  time_stamp: naiveTime,
});
export type SvcDetailWire = z.infer<typeof SvcDetailWire>;

// The parts of pod_obj / service_spec we read; anything else in them is ignored.
const PodObj = z.object({
  metadata: z.optional(
    z.object({
      labels: z.catch(z.optional(labelMap), undefined),
      ownerReferences: z.catch(z.optional(z.array(z.object({ kind: z.string(), name: z.string() }))), undefined),
    }),
  ),
  spec: z.catch(z.optional(z.object({ hostNetwork: z.catch(z.optional(z.boolean()), undefined) })), undefined),
});

const protocol = z.enum(["TCP", "UDP", "SCTP"]);
const portNumber = z.int().check(z.minimum(1), z.maximum(65535));
const SvcSpec = z.object({
  spec: z.optional(
    z.object({
      selector: z.catch(z.optional(z.nullable(labelMap)), undefined),
      ports: z.catch(
        z.optional(
          z.array(
            z.object({
              name: z.optional(z.string()),
              port: portNumber,
              targetPort: z.optional(z.union([portNumber, z.string().check(z.minLength(1))])),
              protocol: z.optional(protocol),
            }),
          ),
        ),
        undefined,
      ),
    }),
  ),
});

const digits = (s: string, from: number, n: number): number => {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
};

/**
 * A naive UTC datetime in ms. Date.parse costs more than the rest of a row's handling, so the common
 * shape (always a valid date: day ≤ 28, fraction truncated to ms as Date.parse does) is read by hand;
 * anything else goes to Date.parse. A test holds the two equal.
 */
export function parseNaiveUtc(ts: string): number {
  if (ts.length >= 19 && ts.charCodeAt(4) === 45 && ts.charCodeAt(7) === 45 && ts.charCodeAt(10) === 84) {
    const y = digits(ts, 0, 4);
    const mo = digits(ts, 5, 2);
    const d = digits(ts, 8, 2);
    const h = digits(ts, 11, 2);
    const mi = digits(ts, 14, 2);
    const sec = digits(ts, 17, 2);
    const frac = ts.length === 19 ? 0 : ts.charCodeAt(19) === 46 ? digits(ts, 20, Math.min(3, ts.length - 20)) : Number.NaN;
    const fracLen = ts.length - 20;
    const rest = fracLen > 3 ? digits(ts, 23, fracLen - 3) : 0;
    if (
      ts.charCodeAt(13) === 58 &&
      ts.charCodeAt(16) === 58 &&
      y >= 1000 &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= 28 &&
      h <= 23 &&
      mi <= 59 &&
      sec <= 59 &&
      !Number.isNaN(frac) &&
      !Number.isNaN(rest) &&
      (ts.length === 19 || (fracLen >= 1 && fracLen <= 9))
    )
      return Date.UTC(y, mo - 1, d, h, mi, sec, fracLen >= 3 || ts.length === 19 ? frac : frac * 10 ** (3 - fracLen));
  }
  return Date.parse(`${ts}Z`);
}

const PEER_KINDS = new Set(["pod", "node", "service"]);

/** The identity the broker stamped at capture, when it has one (1.15.1+); a kind it does not name is none. */
function peerOf(w: PodTrafficWire): TrafficRow["peer"] {
  const kind = w.peer_kind;
  if (!kind || !PEER_KINDS.has(kind) || !w.peer_namespace || !w.peer_name) return undefined;
  return {
    kind: kind as "pod" | "node" | "service",
    namespace: w.peer_namespace,
    name: w.peer_name,
    ...(w.peer_workload_kind && w.peer_workload_name ? { workload: { kind: w.peer_workload_kind, name: w.peer_workload_name } } : {}),
  };
}

/** null when its time is not a date (the pattern passes 2026-13-45). */
export function normaliseTraffic(w: PodTrafficWire): TrafficRow | null {
  const time = parseNaiveUtc(w.time_stamp);
  if (Number.isNaN(time)) return null;
  // Built in one literal: a spread per row shows in the bench.
  const row: TrafficRow = {
    uuid: w.uuid,
    podName: w.pod_name ?? "",
    podNamespace: w.pod_namespace ?? "",
    podIp: w.pod_ip ?? "",
    podPort: w.pod_port ?? "",
    protocol: w.ip_protocol ?? "",
    trafficType: w.traffic_type ?? "",
    peerIp: w.traffic_in_out_ip ?? "",
    peerPort: w.traffic_in_out_port ?? "",
    decision: w.decision ?? "",
    time,
  };
  const peer = w.peer_kind ? peerOf(w) : undefined;
  if (peer) row.peer = peer;
  return row;
}

/** null when the record names no pod the API server could hold (a pod may become a selector). */
export function normalisePod(w: PodDetailWire): BrokerPod | null {
  const obj = PodObj.safeParse(w.pod_obj ?? {});
  const meta = obj.success ? obj.data.metadata : undefined;
  if (!isDnsLabel(w.pod_namespace ?? "") || !isDnsSubdomain(w.pod_name) || !validLabels(meta?.labels ?? {})) return null;
  const time = parseNaiveUtc(w.time_stamp);
  if (Number.isNaN(time)) return null;
  const started = w.started_at ? parseNaiveUtc(w.started_at) : Number.NaN;
  return {
    name: w.pod_name,
    namespace: w.pod_namespace ?? "",
    ip: w.pod_ip,
    ips: [...new Set([w.pod_ip, ...(w.pod_ips ?? [])])],
    labels: meta?.labels ?? {},
    ownerReferences: meta?.ownerReferences ?? [],
    ...(w.workload_kind && w.workload_name ? { workload: { kind: w.workload_kind, name: w.workload_name } } : {}),
    nodeName: w.node_name,
    hostNetwork: w.host_network ?? (obj.success && obj.data.spec?.hostNetwork) === true,
    isDead: w.is_dead,
    time,
    ...(Number.isNaN(started) ? {} : { startedAt: started }),
  };
}

/** null when the record names no Service the API server could hold (its selector may become a peer's). */
export function normaliseService(w: SvcDetailWire): BrokerService | null {
  const spec = SvcSpec.safeParse(w.service_spec ?? {});
  const s = spec.success ? spec.data.spec : undefined;
  if (!isDnsLabel(w.svc_namespace ?? "") || !isDnsLabel(w.svc_name ?? "") || !validLabels(s?.selector ?? {})) return null;
  if (Number.isNaN(parseNaiveUtc(w.time_stamp))) return null;
  const selector: Labels | null = s?.selector && Object.keys(s.selector).length > 0 ? s.selector : null;
  const ports: ServicePort[] = (s?.ports ?? []).map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    protocol: (p.protocol ?? "TCP") as Protocol,
  }));
  return { ip: w.svc_ip, name: w.svc_name ?? "", namespace: w.svc_namespace ?? "", selector, ports };
}

const NEWER_POD_FIELDS = ["pod_ips", "started_at", "host_network", "workload_kind"];

/** The broker line, from the fields it serves: never guessed from an error. */
export function brokerLine(pods: unknown[], traffic: unknown[] = []): "1.12" | "1.20" {
  const has = (o: unknown, k: string) => typeof o === "object" && o !== null && Object.hasOwn(o, k);
  if (pods.some((p) => NEWER_POD_FIELDS.some((k) => has(p, k))) || traffic.some((t) => has(t, "peer_kind"))) return "1.20";
  return "1.12";
}

export interface Parsed<T> {
  items: T[];
  /** The raw elements that passed, index-aligned with items. */
  wire: unknown[];
  malformed: number;
}

/** What parseEach needs of a schema. */
export interface Check<W> {
  safeParse(el: unknown): { success: true; data: W } | { success: false };
}

/** Validates each element; malformed elements are counted, not fatal. A non-array body is the caller's error. */
export function parseEach<W, T>(schema: Check<W>, body: unknown[], normalise: (w: W) => T | null): Parsed<T> {
  const items: T[] = [];
  const wire: unknown[] = [];
  let malformed = 0;
  for (const el of body) {
    const r = schema.safeParse(el);
    const item = r.success ? normalise(r.data) : null;
    if (item !== null) {
      items.push(item);
      wire.push(el);
    } else malformed++;
  }
  return { items, wire, malformed };
}
