// The lookup tables a run builds over the inventory and the broker's history (resolve/cluster-index.ts
// builds them); every pure room reads them through these types.
import type { AgentSettings, ContainerPort, InventoryService, Labels, WorkloadRef } from "./types.ts";

/** A pod as far as resolution cares, valid from `since` (ms) until a later holder of its IP. */
export interface PodIdentity {
  name: string;
  namespace: string;
  workload: WorkloadRef;
  /** The selector a policy uses for this pod's workload; null when it has no usable labels. */
  selector: Labels | null;
  /** Label keys the selector requires to be absent (DoesNotExist): how a workload without labels is selected. */
  absent?: string[];
  labels: Labels;
  /** The pod's addresses as the source lists them (an ipBlock is matched against them). */
  ips: string[];
  hostNetwork: boolean;
  nodeName?: string;
  containerPorts: ContainerPort[];
  since: number;
  live: boolean;
  /** A broker-only pod: when the broker last saw it (1.20 re-posts every pod each minute while it runs). */
  lastSeen?: number;
}

export interface ClusterIndex {
  podsByName: Map<string, PodIdentity>;
  /** All holders of an IP, oldest first. */
  podsByIp: Map<string, PodIdentity[]>;
  servicesByIp: Map<string, InventoryService>;
  nodesByIp: Map<string, string>;
  apiServer: { clusterIPs: Set<string>; endpointIps: Set<string>; cidrs: string[]; ports: ContainerPort[] } | null;
  dns: InventoryService | null;
  /** Live pods per workload key, for selector checks and named ports. */
  podsByWorkload: Map<string, PodIdentity[]>;
  /** Live pods per namespace. */
  liveByNamespace: Map<string, PodIdentity[]>;
  workloadSelectors: Map<string, Labels | null>;
  namespaceLabels: Map<string, Labels>;
  /** What the agent records (the controller's settings, else its defaults). */
  agent: AgentSettings;
}
