// Starts one kube-apiserver + etcd for the whole integration run and stops it afterwards.
import type { TestProject } from "vitest/node";
import { findCiliumSchemas, requireCiliumSchemas } from "../../scripts/cluster/cilium-crds.ts";
import { startCluster } from "../../scripts/cluster/test-cluster.ts";
import { kubeConfig, Seeder } from "./seed.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    server: string;
    /** The folder of Cilium's CRD schemas, when present (test/integration/cilium.test.ts installs the CRDs). */
    ciliumSchemas: string | null;
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startCluster();
  try {
    // What every cluster has: the API server's endpoints and cluster DNS.
    const seed = new Seeder(kubeConfig(cluster.kubeconfig));
    // Kubernetes ≥ 1.21 labels every namespace with its name; this 1.20 server does not, so do what it would.
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      const ns = await seed.core.readNamespace({ name });
      ns.metadata = { ...ns.metadata, labels: { ...ns.metadata?.labels, "kubernetes.io/metadata.name": name } };
      await seed.core.replaceNamespace({ name, body: ns });
    }
    await seed.apiServerEndpoints();
    await seed.dns();
    project.provide("ciliumSchemas", requireCiliumSchemas(findCiliumSchemas(), process.env));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  project.provide("kubeconfig", cluster.kubeconfig);
  project.provide("server", cluster.server);
  return async () => {
    await cluster.stop();
  };
}
