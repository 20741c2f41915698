// Plain data shared by every stage. No behaviour lives here.
import type { HttpRequest, HttpRule, HttpSeen, HttpUnexpressed } from "./http.ts";
import type { ServicePort } from "./inventory.ts";
import type { NamespaceMember, Widening } from "./widening.ts";

export type { HttpRequest, HttpRule, HttpSeen, HttpUnexpressed } from "./http.ts";
export type {
  AgentSettings,
  Inventory,
  InventoryNamespace,
  InventoryNode,
  InventoryPod,
  InventoryService,
  InventoryWorkload,
  ServicePort,
} from "./inventory.ts";
export { AGENT_DEFAULTS } from "./inventory.ts";
export type { NamespaceMember, WidenChoice, Widening } from "./widening.ts";

export type Protocol = "TCP" | "UDP" | "SCTP";
export type Direction = "ingress" | "egress";
export type Labels = Record<string, string>;

/** A controller (or a bare pod) that owns pods; policies target workloads, not replicas. */
export interface WorkloadRef {
  kind: string;
  name: string;
  namespace: string;
}

// Optional fields that a parsed snapshot may hold as undefined say so (`?: T | undefined`).
export interface ContainerPort {
  name?: string | undefined;
  port: number;
  protocol: Protocol;
}

// ---- Broker data, normalised (src/sources/broker/schema.ts has the wire shapes) ----

export interface TrafficRow {
  /** Who the peer was when the flow was seen, as the broker stamped it (1.15.1+); absent when unresolved. */
  peer?: { kind: "pod" | "node" | "service"; namespace: string; name: string; workload?: { kind: string; name: string } };
  uuid: string;
  podName: string;
  podNamespace: string;
  podIp: string;
  podPort: string;
  protocol: string;
  trafficType: string;
  peerIp: string;
  peerPort: string;
  decision: string;
  /** An L7 request on this connection (Hubble): not a connection of its own. */
  http?: HttpRequest;
  /**
   * Milliseconds since the epoch, UTC. 1.12: when the flow was recorded (one row per flow). 1.20: when
   * this connection tuple was first seen (one row per distinct tuple, never updated).
   */
  time: number;
}

export interface BrokerPod {
  name: string;
  namespace: string;
  ip: string;
  /** Every address (1.20's pod_ips: dual-stack), `ip` first. */
  ips: string[];
  labels: Labels;
  ownerReferences: { kind: string; name: string }[];
  /** The top controller as the broker resolved it (1.20). */
  workload?: { kind: string; name: string };
  nodeName: string;
  hostNetwork: boolean;
  isDead: boolean;
  /** The broker's time_stamp (ms): 1.12 when it recorded the pod; 1.20 its last re-post (last seen). */
  time: number;
  /** status.startTime (1.20): which pod held a reused IP is decided by it. */
  startedAt?: number;
}

export interface BrokerService {
  ip: string;
  name: string;
  namespace: string;
  selector: Labels | null;
  ports: ServicePort[];
}

/** DNS names an address outside the cluster was looked up by (not from today's broker; a snapshot may carry them). */
export interface Hostname {
  ip: string;
  /** Lower case, no trailing dot, sorted. */
  names: string[];
  /** The pod that looked them up, when known: its workload alone gets these names. */
  pod?: { namespace: string; name: string };
}

export interface TrafficData {
  /** Which broker line served it, told by the fields it serves (1.13+ serves pod_ips, started_at, peer_kind…). */
  broker?: "1.12" | "1.20";
  pods: BrokerPod[];
  services: BrokerService[];
  rows: TrafficRow[];
  hostnames?: Hostname[];
}

// ---- Resolution results ----

export type Peer =
  /** `absent`: label keys the peer's pods must lack (DoesNotExist), for a workload without usable labels. */
  | { kind: "workload"; workload: WorkloadRef; selector: Labels; absent?: string[]; role?: "dns" }
  | { kind: "apiserver"; cidrs: string[] }
  | { kind: "node"; cidr: string; node: string }
  /** `except`: ranges left out (the cluster's own, when a person widened a rule to any address). */
  | { kind: "external"; cidr: string; except?: string[] }
  /** Outside the cluster and known by name: every address seen for these names (sorted). */
  | { kind: "fqdn"; names: string[]; cidrs: string[] }
  /**
   * Only by a person's choice (widening): the listed workloads of a namespace, or, without a list,
   * every pod of it, also those started later.
   */
  | { kind: "namespace"; namespace: string; workloads?: NamespaceMember[] }
  /** Only by a person's choice (widening): every pod of every namespace. */
  | { kind: "any-pod" };

export interface PortProto {
  port: number;
  /** A range port..endPort, only by a person's choice (widening). */
  endPort?: number;
  protocol: Protocol;
}

/**
 * What the broker's rows say, and no more. Both broker lines store one row per distinct connection
 * tuple (observing pod, ports, peer, decision), time-stamped when it was first seen and never updated
 * (1.12: add.rs skips duplicates; 1.20: the same, on a looser key). So the evidence counts connections,
 * not packets or flows, and knows when they were first seen, never when they were last used.
 */
export interface Evidence {
  /** Distinct connections observed (a connection seen at both ends counts once). */
  flows: number;
  /** The earliest first sighting. */
  firstSeen: number;
  /** The newest first sighting: when the most recent of these connections was first seen. */
  lastSeen: number;
  /** Local pod names that observed the connections (sorted, capped by the renderer). */
  pods: string[];
}

/** One resolved, allowed connection between two endpoints on one port. */
export interface Connection {
  src: Peer;
  dst: Peer;
  port: PortProto;
  evidence: Evidence;
  /** L7 requests seen on it. */
  http?: HttpSeen;
}

export interface Rule {
  /** Stable across runs for the same target, direction, peer and ports. */
  id: string;
  direction: Direction;
  peer: Peer;
  ports: PortProto[];
  evidence: Evidence;
  /** Added by policy (e.g. DNS), not observed. */
  synthetic?: "dns";
  /** Wider than the evidence by a person's choice; its evidence is that of the exact rules it covers. */
  widened?: Widening;
  /** Cilium path rules for the ports L7 requests were seen on; ports whose requests cannot be written so. */
  http?: { rules: HttpRule[]; unexpressed: HttpUnexpressed[] };
}

export interface WorkloadPolicy {
  workload: WorkloadRef;
  selector: Labels;
  /** Label keys the selected pods must lack (DoesNotExist): the selector of a workload without usable labels. */
  absent?: string[];
  ingress: Rule[];
  egress: Rule[];
  policyTypes: ("Ingress" | "Egress")[];
}

export type SkipReason =
  | "dropped"
  | "invalid-port"
  | "loopback"
  | "self"
  | "unknown-protocol"
  | "unknown-direction"
  | "missing-field"
  | "unresolved-local"
  | "before-since"
  | "unlabeled-peer"
  | "below-min-flows";

/** A warning: `code` is its kind; `workload` and `ruleId` name its subject, so that the review and
 * reports attach it by identity, never by reading the message. */
export interface Warning {
  code: string;
  message: string;
  workload?: WorkloadRef;
  ruleId?: string;
}

export interface PolicySet {
  policies: WorkloadPolicy[];
  /** Namespaces that get a default-deny policy (--default-deny). */
  defaultDeny: string[];
  skipped: Partial<Record<SkipReason, number>>;
  warnings: Warning[];
  stats: { rows: number; workloads: number; rules: number; pods: number };
}

// ---- Stage results ----

/** What resolve makes of the rows: connections between resolved peers, and what it could not use. */
export interface Resolved {
  connections: Connection[];
  skipped: Partial<Record<SkipReason, number>>;
  warnings: Warning[];
  rows: number;
  /** Workloads (keys) that had rows of their own but no usable selector: evidence that found no policy. */
  unexpressed: Set<string>;
}

export interface BuildResult extends PolicySet {
  /**
   * Targets that got no policy, with the reason. `evidence`: it had observed traffic, so its missing
   * policy loses something observed (a real failure); without, it is a skip (--strict fails on it).
   */
  failed: {
    workload: WorkloadRef;
    reason: "no-traffic" | "unlabeled" | "host-network" | "unobserved";
    message: string;
    evidence: boolean;
  }[];
}
