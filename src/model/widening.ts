// A rule widened on purpose by a person: what they chose, and how the decisions file records it.
import type { Direction, Labels, Peer, PortProto, WorkloadRef } from "./types.ts";

/** A person widened this rule in the review (or its decisions file says so): what they chose and what it admits. */
export interface Widening {
  /** The step: "prefix", "/24", "/16", "internet", "namespace-workloads", "namespace", "any-namespace", "port-range". */
  step: string;
  /** In words, e.g. "203.0.113.0/24". */
  label: string;
  /** What it admits beyond the evidence, one line each. */
  beyond: string[];
}

/** What the decisions file records of a widening (and the review produces). */
export interface WidenChoice extends Widening {
  /** The rule widened: the widened rule keeps its id. */
  id: string;
  /** workloadKey of the policy's workload. */
  target: string;
  direction: Direction;
  /** The widened peer and ports; absent: the rule's own. */
  peer?: Peer;
  ports?: PortProto[];
}

/** One workload of a widened namespace peer, with the selector its pods are picked by. */
export interface NamespaceMember {
  workload: WorkloadRef;
  selector: Labels;
  absent?: string[];
}
