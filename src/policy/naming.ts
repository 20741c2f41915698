// Names of policies, files and label values: valid for the API server and the file system whatever the
// workload is called, and unique.
import { createHash } from "node:crypto";
import { isDnsSubdomain } from "../model/k8s-names.ts";
import type { WorkloadRef } from "../model/types.ts";

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "kubectl-guardian" } as const;
export const ANNOTATION_PREFIX = "guardian.kubectl.io";
const SUFFIX = "-guardian";

const shortHash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

/** Shortens to `max` characters, keeping uniqueness with a hash of the full text. */
export function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  const h = shortHash(s);
  return `${s.slice(0, max - h.length - 1).replace(/[-.]+$/, "")}-${h}`;
}

/**
 * Policy name `<workload>-guardian`, within the 253-character object name limit. A workload name the
 * API server could not hold (from a hand-made snapshot) is cleaned to a DNS label, with a hash of the
 * original so that two such names stay apart.
 */
export function policyName(w: WorkloadRef): string {
  const base = isDnsSubdomain(w.name)
    ? w.name
    : `${
        w.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-+|-+$/g, "") || "unnamed"
      }-${shortHash(w.name)}`;
  return `${shorten(base, 253 - SUFFIX.length)}${SUFFIX}`;
}

/** A label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends). */
export function labelValue(s: string): string {
  return shorten(s.replace(/[^A-Za-z0-9._-]+/g, "-"), 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** A file name part: lowercase DNS-1123 characters only, never a path. */
export function fileSafe(s: string): string {
  const clean = s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[.-]+/, "");
  return shorten(clean || "unnamed", 100);
}

export function policyFileName(
  namespace: string,
  workload: string,
  kind: "networkpolicy" | "ciliumnetworkpolicy" | "ciliumclusterwidenetworkpolicy",
): string {
  return `${fileSafe(namespace)}-${fileSafe(workload)}-${kind}.yaml`;
}
