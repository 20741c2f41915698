// What the API server accepts as names, label keys and label values (apimachinery's validation).
import type { Labels } from "./types.ts";

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A namespace name (RFC 1123 label). */
export const isDnsLabel = (s: string): boolean => s.length <= 63 && LABEL.test(s);
/** A pod or policy name (RFC 1123 subdomain). */
export const isDnsSubdomain = (s: string): boolean => s.length <= 253 && SUBDOMAIN.test(s);

export function isLabelKey(k: string): boolean {
  const slash = k.lastIndexOf("/");
  const name = slash < 0 ? k : k.slice(slash + 1);
  if (slash >= 0 && !isDnsSubdomain(k.slice(0, slash))) return false;
  return name.length <= 63 && QUALIFIED.test(name);
}

export const isLabelValue = (v: string): boolean => v === "" || (v.length <= 63 && QUALIFIED.test(v));

export function validLabels(l: Labels): boolean {
  for (const [k, v] of Object.entries(l)) if (!isLabelKey(k) || !isLabelValue(v)) return false;
  return true;
}
