// Every rendered object is checked before anything is written or sent: the OpenAPI schema of its
// kind, and the API server's own checks on names, labels and selectors that the schema leaves out.
// A failure is a bug in the generator, never the user's input: the caller stops before writing.
import { CiliumClusterwideNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumClusterwideNetworkPolicy";
import { CiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import ipaddr from "ipaddr.js";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from "../model/k8s-names.ts";
import type { RenderedObject } from "../model/rendered.ts";

export class InvalidObjectError extends Error {
  override name = "InvalidObjectError";
}

const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  NetworkPolicy,
  CiliumNetworkPolicy,
  CiliumClusterwideNetworkPolicy,
};
const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

/** Problems the API server would reject the object for; empty when it is valid. */
export function objectProblems(object: object): string[] {
  const obj = object as Record<string, unknown>;
  const out: string[] = [];
  const kind = String(obj.kind);
  const Model = MODELS[kind];
  if (!Model) return [`unknown kind ${kind}`];
  try {
    new Model(obj as never).validate();
  } catch (e) {
    out.push((e as Error).message);
  }
  const meta = (obj.metadata ?? {}) as { name?: string; namespace?: string; labels?: object; annotations?: object };
  if (!isDnsSubdomain(meta.name ?? "")) out.push(`metadata.name "${meta.name}" is not a DNS subdomain`);
  if (meta.namespace !== undefined && !isDnsLabel(meta.namespace)) out.push(`metadata.namespace "${meta.namespace}" is not a DNS label`);
  for (const [k, v] of Object.entries(meta.labels ?? {}))
    if (!isLabelKey(k) || !isLabelValue(String(v))) out.push(`label ${k}=${v} is not valid`);
  for (const k of Object.keys(meta.annotations ?? {})) if (!isLabelKey(k)) out.push(`annotation key ${k} is not valid`);
  walk(obj.spec, "spec", kind !== "NetworkPolicy", out);
  return out;
}

/** Cilium keys carry a source prefix (k8s:, any:) before a Kubernetes label key. */
const bareKey = (k: string, cilium: boolean) => (cilium ? k.replace(/^(k8s|any|reserved):/, "") : k);

function walk(v: unknown, path: string, cilium: boolean, out: string[]): void {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`, cilium, out);
    return;
  }
  if (v === null || typeof v !== "object") return;
  for (const [k, x] of Object.entries(v)) {
    const at = `${path}.${k}`;
    if (k === "matchLabels")
      for (const [lk, lv] of Object.entries(x as object))
        if (!isLabelKey(bareKey(lk, cilium)) || !isLabelValue(String(lv))) out.push(`${at}: ${lk}=${lv} is not a valid label`);
    if (k === "matchExpressions")
      for (const e of x as { key: string; operator: string; values?: string[] }[]) {
        if (!isLabelKey(bareKey(e.key, cilium)) || !OPERATORS.has(e.operator)) out.push(`${at}: ${e.key} ${e.operator} is not valid`);
        for (const val of e.values ?? []) if (!isLabelValue(val)) out.push(`${at}: value ${val} is not valid`);
      }
    if (k === "cidr" || k === "toCIDR" || k === "fromCIDR")
      for (const c of [x].flat() as string[]) if (!ipaddr.isValidCIDR(c)) out.push(`${at}: ${c} is not a CIDR`);
    walk(x, at, cilium, out);
  }
}

/** Throws InvalidObjectError naming the first object the API server would reject. */
export function validateObjects(objects: RenderedObject[]): void {
  for (const o of objects) {
    const problems = objectProblems(o.object);
    if (problems.length === 0) continue;
    const m = o.object.metadata as { name?: string; namespace?: string };
    throw new InvalidObjectError(
      `kubectl-guardian generated an invalid ${String(o.object.kind)} ${m.namespace ? `${m.namespace}/` : ""}${m.name}: ${problems.join("; ")}`,
    );
  }
}
