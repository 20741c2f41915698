import type { Labels } from "./types.ts";

// Labels that change with every rollout, replica or run; a selector on them breaks after the next rollout.
const VOLATILE = new Set([
  "pod-template-hash",
  "controller-revision-hash",
  "pod-template-generation",
  "statefulset.kubernetes.io/pod-name",
  "apps.kubernetes.io/pod-index",
  "controller-uid",
  "batch.kubernetes.io/controller-uid",
  "batch.kubernetes.io/job-completion-index",
]);
// Job names of CronJob runs change every run.
const CRONJOB_RUN = new Set(["job-name", "batch.kubernetes.io/job-name"]);

export function stableLabels(labels: Labels, ownerKind?: string): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) {
    if (VOLATILE.has(k)) continue;
    if (ownerKind === "CronJob" && CRONJOB_RUN.has(k)) continue;
    out[k] = labels[k] as string;
  }
  return out;
}

/** matchLabels, plus DoesNotExist for each key in `absent` (the selector of a pod without usable labels). */
export function matches(selector: Labels, labels: Labels, absent?: readonly string[]): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  if (absent) for (const k of absent) if (Object.hasOwn(labels, k)) return false;
  return true;
}

export function isEmpty(labels: Labels | null | undefined): boolean {
  return !labels || Object.keys(labels).length === 0;
}
