// What `explain` shows of one workload: its rules, and every row about it with what it became.
import type { Direction, SkipReason } from "./types.ts";

export interface ExplainedRow {
  uuid: string;
  time: string;
  pod: string;
  direction: string;
  local: string;
  remote: string;
  protocol: string;
  decision: string;
  /** How the remote address was read: a pod (which one, stamped or by address and time), a Service, a node, … */
  resolvedAs: string;
  /** The connections this row is evidence of, each with the rule it went into (or why none). */
  connections: { direction: Direction; peer: string; port: string; rule: string | null; note?: string }[];
  skipped?: { reason: SkipReason; why: string };
}

export interface ExplainedRule {
  id: string;
  direction: Direction;
  peer: string;
  ports: string;
  connections: number;
  firstSeen?: string;
  newestFirstSeen?: string;
  synthetic?: string;
  rows: number;
}

export interface Explanation {
  workload: string;
  policy: boolean;
  /** Why there is no policy, when there is none. */
  failed?: string;
  rules: ExplainedRule[];
  rows: ExplainedRow[];
  warnings: string[];
}
