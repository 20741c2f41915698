// Safe apply: RBAC first, then a server-side dry run of every object, then server-side apply of all
// of them only if every dry run passed. Objects we do not manage are never touched without --force;
// the previous state is saved first so that one command restores it.
import { AuthorizationV1Api, type KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { ApplyError, apiMessage, describeRef, headerOf, type LiveState, MANAGED, type ObjectRef, refOf, toModel } from "./objects.ts";
import { rollback, rollbackDoc } from "./rollback.ts";

export { ApplyError, apiMessage, describeRef, type LiveState, type ObjectRef, refOf, toModel, toWire } from "./objects.ts";

export const FIELD_MANAGER = "kubectl-guardian";

export interface ApplyOptions {
  /** Change live objects of the same name that kubectl-guardian does not manage. */
  force: boolean;
  /** Take over fields another field manager owns. */
  forceConflicts: boolean;
}

// NetworkPolicy → networkpolicies, CiliumNetworkPolicy → ciliumnetworkpolicies.
const plural = (kind: string) => {
  const k = kind.toLowerCase();
  return k.endsWith("y") ? `${k.slice(0, -1)}ies` : `${k}s`;
};
const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? (apiVersion.split("/")[0] as string) : "");

/** The client's discovery of a kind's resource (protected there; it is what kubectl asks first). */
class Discovery extends KubernetesObjectApi {
  served(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }
}

/** Kinds the API server does not serve (their CRD is not installed), as "Kind (group/version)". */
export async function unservedKinds(kc: KubeConfig, objects: KubernetesObject[]): Promise<string[]> {
  const api = kc.makeApiClient(Discovery);
  const kinds = new Map(
    objects.map((o) => [`${o.kind} (${o.apiVersion})`, { apiVersion: o.apiVersion as string, kind: o.kind as string }]),
  );
  const out: string[] = [];
  for (const [label, k] of kinds) {
    try {
      if (!(await api.served(k.apiVersion, k.kind))) out.push(label);
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      out.push(label); // the whole group/version is unknown
    }
  }
  return out.sort();
}

/** Which of get/create/patch the user lacks, per kind and namespace, as kubectl auth can-i would say. */
export async function missingPermissions(
  kc: KubeConfig,
  objects: KubernetesObject[],
  verbs = ["get", "create", "patch"],
): Promise<string[]> {
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const checks = new Map<string, { verb: string; group: string; resource: string; namespace?: string }>();
  for (const o of objects) {
    const r = refOf(o);
    for (const verb of verbs) {
      const c = { verb, group: groupOf(r.apiVersion), resource: plural(r.kind), ...(r.namespace ? { namespace: r.namespace } : {}) };
      checks.set(JSON.stringify(c), c);
    }
  }
  const missing: string[] = [];
  for (const c of checks.values()) {
    const review = await authz.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: { verb: c.verb, group: c.group, resource: c.resource, ...(c.namespace ? { namespace: c.namespace } : {}) },
        },
      },
    });
    if (!review.status?.allowed) {
      missing.push(
        `${c.verb} ${c.resource}${c.group ? `.${c.group}` : ""} ${c.namespace ? `in namespace ${c.namespace}` : "(cluster-wide)"}`,
      );
    }
  }
  return missing.sort();
}

export async function readLive(kc: KubeConfig, objects: KubernetesObject[]): Promise<LiveState[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return Promise.all(
    objects.map(async (o) => {
      const ref = refOf(o);
      try {
        const before = await api.read(headerOf(ref));
        return { ref, before };
      } catch (e) {
        if ((e as { code?: number }).code === 404) return { ref, before: null };
        throw new ApplyError(`cannot read ${describeRef(ref)}: ${apiMessage(e)}`);
      }
    }),
  );
}

/** Live objects of the same name that kubectl-guardian did not create. */
export function foreignObjects(live: LiveState[]): ObjectRef[] {
  return live.filter((l) => l.before && l.before.metadata?.labels?.[MANAGED.key] !== MANAGED.value).map((l) => l.ref);
}

export type Outcome = "created" | "configured" | "unchanged";

async function ssa(kc: KubeConfig, o: KubernetesObject, dryRun: boolean, forceConflicts: boolean): Promise<KubernetesObject> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return api.patch(toModel(o), undefined, dryRun ? "All" : undefined, FIELD_MANAGER, forceConflicts, PatchStrategy.ServerSideApply);
}

/** Server-side dry run of every object: the failures (with the API server's message) and whether anything would change. */
export async function dryRunAll(
  kc: KubeConfig,
  objects: KubernetesObject[],
  live: LiveState[],
  o: ApplyOptions,
): Promise<{ failures: string[]; changes: number }> {
  const failures: string[] = [];
  let changes = 0;
  for (const [i, obj] of objects.entries()) {
    try {
      const after = await ssa(kc, obj, true, o.forceConflicts);
      const before = live[i]?.before;
      if (!before || before.metadata?.resourceVersion !== after.metadata?.resourceVersion) changes++;
    } catch (e) {
      const code = (e as { code?: number }).code;
      const hint = code === 409 ? " (another field manager owns these fields; --force-conflicts takes them over)" : "";
      failures.push(`${describeRef(refOf(obj))}: ${apiMessage(e)}${hint}`);
    }
  }
  return { failures, changes };
}

const TRANSIENT = new Set([429, 500, 502, 503, 504]);

/** Server-side apply, retrying what the API server calls transient (429 and 5xx) with backoff. */
async function ssaRetrying(
  kc: KubeConfig,
  obj: KubernetesObject,
  o: ApplyOptions,
  wait: (attempt: number) => Promise<void>,
): Promise<KubernetesObject> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ssa(kc, obj, false, o.forceConflicts);
    } catch (e) {
      if (!TRANSIENT.has((e as { code?: number }).code ?? 0) || attempt >= 3) throw e;
      await wait(attempt);
    }
  }
}

export class PartialApplyError extends ApplyError {}

/**
 * Applies every object. If one still fails after its retries, the ones already applied are put back
 * as they were (from `live`), so that the cluster never keeps half of the set.
 */
export async function applyAll(
  kc: KubeConfig,
  objects: KubernetesObject[],
  live: LiveState[],
  o: ApplyOptions,
  wait: (attempt: number) => Promise<void> = (a) => new Promise((r) => setTimeout(r, 200 * 2 ** a)),
): Promise<{ ref: ObjectRef; outcome: Outcome }[]> {
  const out: { ref: ObjectRef; outcome: Outcome }[] = [];
  for (const [i, obj] of objects.entries()) {
    const before = live[i]?.before ?? null;
    let after: KubernetesObject;
    try {
      after = await ssaRetrying(kc, obj, o, wait);
    } catch (e) {
      const done = live.slice(0, i).filter((_, j) => out[j]?.outcome !== "unchanged");
      const undo = await rollback(kc, rollbackDoc(done, new Date(0).toISOString(), ""));
      throw new PartialApplyError(
        `applying ${describeRef(refOf(obj))} failed (${apiMessage(e)}); the ${done.length} object(s) already applied were put back`,
        undo,
      );
    }
    const outcome: Outcome = !before
      ? "created"
      : before.metadata?.resourceVersion === after.metadata?.resourceVersion
        ? "unchanged"
        : "configured";
    out.push({ ref: refOf(obj), outcome });
  }
  return out;
}
