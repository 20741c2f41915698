// The cluster inventory from the API server: list calls only, each kind degrading to a warning when RBAC
// forbids it. The broker knows neither controllers nor nodes; this fills them in.
import { AppsV1Api, BatchV1Api, CoreV1Api, DiscoveryV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Inventory, Warning } from "../model/types.ts";
import { endpointsFromEndpoints, endpointsFromSlices, ownerResolver, toAgent, toPods, toServices, toWorkloads } from "./inventory-map.ts";
import { Lister } from "./lister.ts";

export { endpointsFromEndpoints, endpointsFromSlices } from "./inventory-map.ts";
export { ApiUnreachableError } from "./lister.ts";

export interface InventoryResult {
  inventory: Inventory;
  warnings: Warning[];
  requests: number;
}

export async function loadInventory(kc: KubeConfig, server: string): Promise<InventoryResult> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const l = new Lister(server);
  // Namespaces first, alone: it proves the API server answers before the parallel lists start.
  const namespaces = await l.list("namespaces", "namespace labels are unknown", (p) => core.listNamespace(p));
  const [nodes, pods, services, slices, rss, deploys, sts, dss, jobs, cronjobs] = await Promise.all([
    l.list("nodes", "node peers become plain external addresses", (p) => core.listNode(p)),
    l.list("pods", "no workload can be resolved from the cluster; only the broker's records are used", (p) =>
      core.listPodForAllNamespaces(p),
    ),
    l.list("services", "Service addresses resolve only through the broker's records", (p) => core.listServiceForAllNamespaces(p)),
    // EndpointSlices, which Kubernetes maintains now; servers before 1.21 serve only Endpoints.
    l.list(
      "endpointslices.discovery.k8s.io",
      "Services without selectors and the API server cannot be resolved",
      (p) => discovery.listEndpointSliceForAllNamespaces(p),
      true,
    ),
    l.list("replicasets.apps", "Deployments are inferred from ReplicaSet names", (p) => apps.listReplicaSetForAllNamespaces(p)),
    l.list("deployments.apps", "Deployment selectors fall back to pod labels", (p) => apps.listDeploymentForAllNamespaces(p)),
    l.list("statefulsets.apps", "StatefulSet selectors fall back to pod labels", (p) => apps.listStatefulSetForAllNamespaces(p)),
    l.list("daemonsets.apps", "DaemonSet selectors fall back to pod labels", (p) => apps.listDaemonSetForAllNamespaces(p)),
    l.list("jobs.batch", "CronJob runs are treated as separate Jobs", (p) => batch.listJobForAllNamespaces(p)),
    l.list("cronjobs.batch", "CronJob runs are treated as separate Jobs", (p) => batch.listCronJobForAllNamespaces(p)),
  ]);
  const eps =
    slices !== null
      ? endpointsFromSlices(slices)
      : endpointsFromEndpoints(
          (await l.list("endpoints", "Services without selectors and the API server cannot be resolved", (p) =>
            core.listEndpointsForAllNamespaces(p),
          )) ?? [],
        );
  const inventory: Inventory = {
    namespaces: (namespaces ?? []).map((n) => ({ name: n.metadata?.name ?? "", labels: n.metadata?.labels ?? {} })),
    nodes: (nodes ?? []).map((n) => ({
      name: n.metadata?.name ?? "",
      addresses: (n.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
    })),
    workloads: toWorkloads({ rss, deploys, sts, dss, jobs, cronjobs }),
    pods: toPods(pods ?? [], ownerResolver({ rss, jobs })),
    services: toServices(services ?? [], eps),
    agent: toAgent(dss),
  };
  return { inventory, warnings: l.warnings, requests: l.requests };
}
