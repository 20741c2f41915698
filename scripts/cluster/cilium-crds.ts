// Cilium's CRDs with their real OpenAPI schema, for server-side dry runs of Cilium output.
// The schemas come as JSON Schema files (cilium.io/ciliumnetworkpolicy_v2.json and
// cilium.io/ciliumclusterwidenetworkpolicy_v2.json from the MIT-licensed datreeio/CRDs-catalog);
// this file wraps them into apiextensions.k8s.io/v1 CRDs that a 1.20 API server accepts. Without the
// files, the CRDs take any spec (no validation beyond the API server's own).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ApiextensionsV1Api, type KubeConfig, loadYaml, type V1CustomResourceDefinition } from "@kubernetes/client-node";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const CILIUM_SCHEMA_FILES = ["ciliumnetworkpolicy_v2.json", "ciliumclusterwidenetworkpolicy_v2.json"] as const;

type Json = Record<string, unknown>;

/** Structural schemas forbid additionalProperties beside properties, and need metadata as a bare object. */
export function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (!schema || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) {
    if (k === "additionalProperties" && "properties" in (schema as Json)) continue;
    if (k === "$schema") continue;
    out[k] = structural(v);
  }
  return out;
}

export function crdFromSchema(
  schema: Json,
  names: { kind: string; plural: string; singular: string; shortNames: string[] },
  scope: "Namespaced" | "Cluster",
): V1CustomResourceDefinition {
  const s = structural(schema) as Json & { properties: Json };
  s.properties = { ...s.properties, metadata: { type: "object" } };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${names.plural}.cilium.io` },
    spec: {
      group: "cilium.io",
      scope,
      names: { ...names, listKind: `${names.kind}List`, categories: ["cilium", "ciliumpolicy"] },
      versions: [{ name: "v2", served: true, storage: true, schema: { openAPIV3Schema: s as never }, subresources: { status: {} } }],
    },
  };
}

/**
 * The schemas' folder, required in CI: a run there must validate Cilium output against the real
 * schema, never fall back to CRDs that take any spec. Elsewhere a missing folder is allowed (null).
 */
export function requireCiliumSchemas(found: string | null, env: Record<string, string | undefined>): string | null {
  if (found || !env.CI) return found;
  throw new Error(
    `Cilium's CRD schemas (${CILIUM_SCHEMA_FILES.join(", ")}) were not found in $GUARDIAN_CILIUM_SCHEMAS, test/fixtures/cilium-crds or ../shared/reference/crds; CI validates Cilium output against them and does not run without`,
  );
}

/**
 * The folder holding both schema files: $GUARDIAN_CILIUM_SCHEMAS, else test/fixtures/cilium-crds (should
 * they ever be committed), else shared/reference/crds beside the repo.
 */
export function findCiliumSchemas(): string | null {
  const candidates = [
    process.env.GUARDIAN_CILIUM_SCHEMAS,
    path.join(ROOT, "test", "fixtures", "cilium-crds"),
    path.join(ROOT, "..", "shared", "reference", "crds"),
  ].filter(Boolean) as string[];
  return candidates.find((d) => CILIUM_SCHEMA_FILES.every((f) => existsSync(path.join(d, f)))) ?? null;
}

/** Without the schema files: CRDs that accept any spec, so the apply path still runs for real. */
const OPEN = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const OPEN_SCHEMA: Json = { type: "object", properties: { spec: OPEN, specs: { type: "array", items: OPEN }, status: OPEN } };

export function ciliumCrds(dir: string | null): V1CustomResourceDefinition[] {
  const load = (f: string) => (dir ? (JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Json) : OPEN_SCHEMA);
  return [
    crdFromSchema(
      load(CILIUM_SCHEMA_FILES[0]),
      { kind: "CiliumNetworkPolicy", plural: "ciliumnetworkpolicies", singular: "ciliumnetworkpolicy", shortNames: ["cnp", "ciliumnp"] },
      "Namespaced",
    ),
    crdFromSchema(
      load(CILIUM_SCHEMA_FILES[1]),
      {
        kind: "CiliumClusterwideNetworkPolicy",
        plural: "ciliumclusterwidenetworkpolicies",
        singular: "ciliumclusterwidenetworkpolicy",
        shortNames: ["ccnp"],
      },
      "Cluster",
    ),
  ];
}

/** Creates the CRDs (unless present) and waits until the API server serves them. */
export async function installCiliumCrds(kc: KubeConfig, dir: string | null): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of ciliumCrds(dir)) {
    try {
      // Through the client's model: sent as a plain object, x-kubernetes-* keys would be silently dropped.
      await api.createCustomResourceDefinition({ body: loadYaml<V1CustomResourceDefinition>(JSON.stringify(crd)) });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e; // already there: wait for it like a new one
    }
    const name = crd.metadata?.name as string;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const live = await api.readCustomResourceDefinition({ name });
      if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not established after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
