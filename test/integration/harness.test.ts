import { readFileSync } from "node:fs";
import path from "node:path";
import { NetworkingV1Api, type V1NetworkPolicy } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { toModel, toWire } from "../../src/cluster/apply.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { parseSnapshot } from "../../src/sources/snapshot/snapshot.ts";
import { defaults } from "../support/generate.ts";
import { kubeConfig, Seeder, uniqueNs } from "./seed.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
let seed: Seeder;

beforeAll(() => {
  seed = new Seeder(kubeConfig(inject("kubeconfig")));
});

const status = (e: unknown) => (e as { code?: number }).code;

describe("the test cluster", () => {
  it("seeds workloads as controllers would: owner chain, Ready pods with IPs, Endpoints", async () => {
    const ns = uniqueNs("seed");
    await seed.namespace(ns);
    await seed.node(`node-${ns}`, "10.0.0.21");
    const pods = await seed.deployment(ns, "web", { app: "web" }, { replicas: 2, ports: [{ name: "http", containerPort: 8080 }] });
    await seed.statefulSet(ns, "db", { app: "db" });
    await seed.daemonSet(ns, "agent", { app: "agent" }, [`node-${ns}`]);
    const ip = await seed.service(ns, "web", { app: "web" }, [{ name: "http", port: 80, targetPort: "http" as never }], pods);

    const live = await seed.core.listNamespacedPod({ namespace: ns });
    expect(live.items).toHaveLength(4);
    for (const p of live.items) {
      expect(p.status?.phase).toBe("Running");
      expect(p.status?.podIP).toMatch(/^10\.244\./);
      expect(p.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      expect(p.metadata?.ownerReferences?.[0]?.controller).toBe(true);
    }
    const web = live.items.find((p) => p.metadata?.name?.startsWith("web-"));
    const rs = await seed.apps.readNamespacedReplicaSet({ namespace: ns, name: web?.metadata?.ownerReferences?.[0]?.name as string });
    expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "web" });
    expect(ip).toMatch(/^10\.96\./);
    const ep = await seed.core.readNamespacedEndpoints({ namespace: ns, name: "web" });
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.ip).sort()).toEqual(pods.map((p) => p.status?.podIP).sort());
    expect(ep.subsets?.[0]?.ports?.[0]?.port).toBe(8080);
    const nsObj = await seed.core.readNamespace({ name: ns });
    expect(nsObj.metadata?.labels?.["kubernetes.io/metadata.name"]).toBe(ns);
  });

  it("has the kubernetes Service endpoints and cluster DNS that every cluster has", async () => {
    const ep = await seed.core.readNamespacedEndpoints({ namespace: "default", name: "kubernetes" });
    expect(ep.subsets?.[0]?.addresses?.[0]?.ip).toBe("172.18.0.2");
    const dns = await seed.core.readNamespacedService({ namespace: "kube-system", name: "kube-dns" });
    expect(dns.spec?.clusterIP).toBe("10.96.0.10");
    const coredns = await seed.core.listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app=kube-dns" });
    expect(coredns.items).toHaveLength(2);
  });

  it("has a limited user that RBAC stops from writing", async () => {
    await seed.rbac
      .createClusterRole({
        body: {
          metadata: { name: "guardian-test-viewer" },
          rules: [{ apiGroups: ["", "networking.k8s.io"], resources: ["pods", "services", "networkpolicies"], verbs: ["get", "list"] }],
        },
      })
      .catch((e) => {
        if (status(e) !== 409) throw e;
      });
    await seed.rbac
      .createClusterRoleBinding({
        body: {
          metadata: { name: "guardian-test-viewer" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "guardian-test-viewer" },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "viewer" }],
        },
      })
      .catch((e) => {
        if (status(e) !== 409) throw e;
      });
    const viewer = kubeConfig(inject("kubeconfig"), "viewer").makeApiClient(NetworkingV1Api);
    await expect(viewer.listNamespacedNetworkPolicy({ namespace: "default" })).resolves.toBeDefined();
    const denied = await viewer
      .createNamespacedNetworkPolicy({
        namespace: "default",
        body: { metadata: { name: "x" }, spec: { podSelector: { matchLabels: { a: "b" } } } },
      })
      .then(() => 0)
      .catch(status);
    expect(denied).toBe(403);
  });
});

describe("generated policies on a real API server", () => {
  it("every demo policy passes server-side dry run, and an invalid one does not", async () => {
    const snap = parseSnapshot(JSON.parse(readFileSync(path.join(ROOT, "src/demo/demo-snapshot.json"), "utf8")), "demo");
    const r = generate(snap.inventory, snap.data, { ...defaults, allowDns: true, defaultDeny: true, scope: { kind: "all" } });
    const net = seed.kc.makeApiClient(NetworkingV1Api);
    const namespaces = [...new Set(r.objects.map((o) => (o.object.metadata as { namespace: string }).namespace))];
    for (const ns of namespaces) {
      await seed.namespace(ns).catch((e) => {
        if (status(e) !== 409) throw e;
      });
    }
    expect(r.objects.length).toBeGreaterThan(6);
    for (const o of r.objects) {
      const body = toModel(o.object as V1NetworkPolicy);
      const created = await net.createNamespacedNetworkPolicy({ namespace: body.metadata?.namespace as string, body, dryRun: "All" });
      // What the server would store is what we generated, field for field.
      expect((toWire(created) as V1NetworkPolicy).spec).toEqual((o.object as V1NetworkPolicy).spec);
    }
    for (const ns of namespaces) expect((await net.listNamespacedNetworkPolicy({ namespace: ns })).items).toEqual([]);

    const bad = toModel(structuredClone(r.objects[1]?.object) as V1NetworkPolicy);
    (bad.spec as { egress: unknown[] }).egress = [{ ports: [{ port: 70000, protocol: "TCP" }] }];
    const code = await net
      .createNamespacedNetworkPolicy({ namespace: bad.metadata?.namespace as string, body: bad, dryRun: "All" })
      .then(() => 0)
      .catch(status);
    expect(code).toBe(422);
  });
});
