// The network policies live in the cluster: NetworkPolicies, and Cilium's when its CRDs are installed.
import { CustomObjectsApi, type KubeConfig, NetworkingV1Api } from "@kubernetes/client-node";
import { toWire } from "./apply.ts";

export interface LivePolicies {
  policies: Record<string, unknown>[];
  /** Kinds that could not be listed, and why. */
  missing: string[];
}

export async function listLivePolicies(kc: KubeConfig): Promise<LivePolicies> {
  const policies: Record<string, unknown>[] = [];
  const missing: string[] = [];
  const net = kc.makeApiClient(NetworkingV1Api);
  try {
    for (const p of (await net.listNetworkPolicyForAllNamespaces()).items) {
      policies.push(toWire({ ...p, apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" }) as Record<string, unknown>);
    }
  } catch (e) {
    missing.push(`NetworkPolicies (${(e as { code?: number }).code ?? "error"})`);
  }
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const [plural, kind] of [
    ["ciliumnetworkpolicies", "CiliumNetworkPolicy"],
    ["ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy"],
  ] as const) {
    try {
      const list = (await custom.listClusterCustomObject({ group: "cilium.io", version: "v2", plural })) as {
        items?: Record<string, unknown>[];
      };
      for (const p of list.items ?? []) policies.push({ ...p, kind });
    } catch (e) {
      // 404: Cilium is not installed, so there is nothing of that kind to evaluate.
      if ((e as { code?: number }).code !== 404) missing.push(`${kind}s (${(e as { code?: number }).code ?? "error"})`);
    }
  }
  return { policies, missing };
}
