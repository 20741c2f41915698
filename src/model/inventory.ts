// The cluster's inventory, as the API server (or a snapshot) tells it. Plain data.
import type { ContainerPort, Labels, Protocol } from "./types.ts";

export interface InventoryNamespace {
  name: string;
  labels: Labels;
}

export interface InventoryNode {
  name: string;
  addresses: { type: string; address: string }[];
}

export interface InventoryWorkload {
  kind: string;
  name: string;
  namespace: string;
  /** spec.selector.matchLabels; null when the controller has none usable (matchExpressions, bare pod). */
  selector: Labels | null;
}

export interface InventoryPod {
  name: string;
  namespace: string;
  ips: string[];
  labels: Labels;
  nodeName?: string | undefined;
  hostNetwork: boolean;
  /** Top of the owner chain; absent for a bare pod. */
  owner?: { kind: string; name: string } | undefined;
  containerPorts: ContainerPort[];
  ready: boolean;
  createdAt?: string | undefined;
}

export interface ServicePort {
  name?: string | undefined;
  port: number;
  targetPort: number | string;
  protocol: Protocol;
}

export interface InventoryService {
  name: string;
  namespace: string;
  clusterIPs: string[];
  /** null for a Service without selector (manual endpoints). */
  selector: Labels | null;
  ports: ServicePort[];
  /** Endpoint addresses and ports, when known (EndpointSlices or Endpoints). */
  endpoints?: { ips: string[]; ports: ContainerPort[] } | undefined;
}

export interface Inventory {
  namespaces: InventoryNamespace[];
  nodes: InventoryNode[];
  workloads: InventoryWorkload[];
  pods: InventoryPod[];
  services: InventoryService[];
  /** What the kguardian agent records, as its controller is configured; absent: its defaults. */
  agent?: AgentSettings | undefined;
}

/**
 * The agent's blind spots (controller/src/main.rs, pod_watcher.rs): pods of excluded namespaces are never
 * registered (they record nothing; others' rows about them are kept); with ignoreDaemonSetTraffic, each
 * node ignores its own DaemonSet pods: nothing they do, nor their traffic with pods on that node.
 */
export interface AgentSettings {
  excludedNamespaces: string[];
  ignoreDaemonSetTraffic: boolean;
  /** Where they were read: the controller's env, or "defaults". */
  source: string;
}

export const AGENT_DEFAULTS: AgentSettings = {
  excludedNamespaces: ["kube-system", "kguardian"],
  ignoreDaemonSetTraffic: true,
  source: "the controller's defaults",
};
