// Rollback: the state before an apply, saved before anything changes, and the one command that puts
// it back (delete what was created, restore what was changed).
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import {
  ApplyError,
  apiMessage,
  describeRef,
  headerOf,
  type LiveState,
  MANAGED,
  type ObjectRef,
  refOf,
  toModel,
  toWire,
} from "./objects.ts";

export const ROLLBACK_KIND = "Rollback";
export const ROLLBACK_API = "guardian.kubectl.io/v1alpha1";

export interface RollbackDoc {
  apiVersion: typeof ROLLBACK_API;
  kind: typeof ROLLBACK_KIND;
  metadata: { createdAt: string; context: string };
  items: ({ action: "delete"; ref: ObjectRef } | { action: "restore"; object: KubernetesObject })[];
}

/** What the live object was, without what the server sets. */
function restorable(model: KubernetesObject): KubernetesObject {
  const o = toWire(model);
  const m = o.metadata ?? {};
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
    },
    ...Object.fromEntries(Object.entries(o).filter(([k]) => !["apiVersion", "kind", "metadata", "status"].includes(k))),
  } as KubernetesObject;
}

export function rollbackDoc(live: LiveState[], createdAt: string, context: string): RollbackDoc {
  return {
    apiVersion: ROLLBACK_API,
    kind: ROLLBACK_KIND,
    metadata: { createdAt, context },
    items: live.map((l) =>
      l.before ? { action: "restore" as const, object: restorable(l.before) } : { action: "delete" as const, ref: l.ref },
    ),
  };
}

/** Deletes what the apply created (if we still manage it). */
async function undoCreate(api: KubernetesObjectApi, r: ObjectRef): Promise<string> {
  const header = headerOf(r);
  try {
    const live = await api.read(header);
    if (live.metadata?.labels?.[MANAGED.key] !== MANAGED.value)
      return `kept ${describeRef(r)}: it is no longer managed by kubectl-guardian`;
    await api.delete(header);
    return `deleted ${describeRef(r)}`;
  } catch (e) {
    if ((e as { code?: number }).code === 404) return `${describeRef(r)} already absent`;
    throw new ApplyError(`cannot delete ${describeRef(r)}: ${apiMessage(e)}`);
  }
}

/** Puts back what the apply changed, re-creating it if it was deleted since. */
async function undoChange(api: KubernetesObjectApi, obj: KubernetesObject): Promise<string> {
  const r = refOf(obj);
  try {
    const live = await api.read(headerOf(r));
    const resourceVersion = live.metadata?.resourceVersion;
    await api.replace(toModel({ ...obj, metadata: { ...obj.metadata, ...(resourceVersion ? { resourceVersion } : {}) } }));
    return `restored ${describeRef(r)}`;
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw new ApplyError(`cannot restore ${describeRef(r)}: ${apiMessage(e)}`);
    await api.create(toModel(obj));
    return `re-created ${describeRef(r)}`;
  }
}

/** Deletes what the apply created and puts back what it changed. */
export async function rollback(kc: KubeConfig, doc: RollbackDoc): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const done: string[] = [];
  for (const item of doc.items) done.push(item.action === "delete" ? await undoCreate(api, item.ref) : await undoChange(api, item.object));
  return done;
}
