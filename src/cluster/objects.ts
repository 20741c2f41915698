// Kubernetes objects as the apply and rollback see them: wire ⇄ client model, references, who manages
// them, and the API server's own words for a failed request.
import { dumpYaml, type KubernetesObject, loadYaml } from "@kubernetes/client-node";
import { parse } from "yaml";

/**
 * client-node serialises through its generated models, whose property names differ from the wire
 * ("from" is "_from"): a plain object sent as-is silently loses those fields. Convert first.
 */
export const toModel = <T extends KubernetesObject>(o: T): T => loadYaml<T>(JSON.stringify(o));
/** And back: a model read from the API server as the wire object, for files. */
export const toWire = (o: KubernetesObject): KubernetesObject => parse(dumpYaml(o)) as KubernetesObject;
export const MANAGED = { key: "app.kubernetes.io/managed-by", value: "kubectl-guardian" };

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export const refOf = (o: KubernetesObject): ObjectRef => ({
  apiVersion: o.apiVersion as string,
  kind: o.kind as string,
  ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
  name: o.metadata?.name as string,
});
/** The object header the API client reads and deletes by. */
export const headerOf = (r: ObjectRef) => ({
  apiVersion: r.apiVersion,
  kind: r.kind,
  metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
});
export const describeRef = (r: ObjectRef) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;

export class ApplyError extends Error {
  /** One line per object or permission at fault. */
  readonly details: string[];
  constructor(message: string, details: string[] = []) {
    super(message);
    this.details = details;
  }
}

/** The API server's own words for a failed request. */
export function apiMessage(e: unknown): string {
  const err = e as { code?: number; body?: unknown; message?: string };
  let body = err.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      /* plain text */
    }
  }
  const msg = (body as { message?: string } | undefined)?.message ?? (typeof body === "string" ? body : err.message) ?? String(e);
  return `${err.code ? `${err.code}: ` : ""}${msg.split("\n")[0]}`;
}

export interface LiveState {
  ref: ObjectRef;
  /** The live object before we change it; null when absent. */
  before: KubernetesObject | null;
}
