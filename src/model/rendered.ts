// A rendered policy: a typed object, the workload it is for, and for each rule the comment that carries
// its evidence and the YAML nodes it occupies (paths into the object).
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import type { WorkloadRef } from "./types.ts";

export type YamlPath = (string | number)[];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface NetworkPolicyObject extends V1NetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: ObjectMeta;
}

export interface CiliumPolicyObject {
  apiVersion: "cilium.io/v2";
  kind: "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy";
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

export type PolicyObject = NetworkPolicyObject | CiliumPolicyObject;

export interface RenderedRule {
  id: string;
  /** The evidence comment, placed before the rule's first node. */
  comment: string;
  /** The nodes that carry the rule (peer entries; in Cilium, the entry it shares with others). */
  paths: YamlPath[];
}

export interface RenderedObject {
  fileName: string;
  /** Keys in kubectl's conventional order. */
  object: PolicyObject;
  /** The workload it is for; absent for a namespace's default-deny. */
  workload?: WorkloadRef;
  header: string;
  rules: RenderedRule[];
}

export interface RenderContext {
  generator: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "DoesNotExist" | "Exists" }[];
}
