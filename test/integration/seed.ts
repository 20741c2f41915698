// Seeds a realistic cluster fast: the objects controllers would have made (ReplicaSets, pods with owner
// references, pod IPs and Ready status, Endpoints), since this API server runs no controllers.
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1ContainerPort,
  type V1OwnerReference,
  type V1Pod,
  type V1ServicePort,
} from "@kubernetes/client-node";

export function kubeConfig(file: string, context = "admin"): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  kc.setCurrentContext(context);
  return kc;
}

type Labels = Record<string, string>;
interface WorkloadOpts {
  replicas?: number;
  ports?: V1ContainerPort[];
  node?: string;
  selector?: Labels;
  hostNetwork?: boolean;
}

let ipSeq = 0;
// Test files run in their own processes against one API server: each process takes its own /19.
const ipBase = (process.pid % 8) * 32;
/** Pod IPs unique across the processes sharing one API server (a reused IP would be a different pod). */
export function nextPodIp(): string {
  ipSeq++;
  return `10.${244 + Math.floor(ipBase / 256)}.${ipBase + Math.floor(ipSeq / 250)}.${(ipSeq % 250) + 1}`;
}

let nsSeq = 0;
/** A fresh namespace name per test: namespaces cannot be deleted without a controller-manager. */
export function uniqueNs(prefix: string): string {
  nsSeq++;
  return `${prefix}-${process.pid % 10000}-${nsSeq}`;
}

export class Seeder {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly kc: KubeConfig;
  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  }

  async namespace(name: string, labels: Labels = {}): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } } });
  }

  /** A Node with an InternalIP and, optionally, the kubelet port the API server dials for port-forward. */
  async node(name: string, ip: string, kubeletPort = 10250): Promise<void> {
    const n = await this.core.createNode({ body: { metadata: { name, labels: { "kubernetes.io/hostname": name } } } });
    n.status = {
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "fake",
          lastHeartbeatTime: new Date(),
          lastTransitionTime: new Date(),
        },
      ],
    };
    await this.core.replaceNodeStatus({ name, body: n });
  }

  async deployment(ns: string, name: string, labels: Labels, o: WorkloadOpts = {}): Promise<V1Pod[]> {
    const selector = o.selector ?? labels;
    const hash = "5d8f7c9b4";
    const d = await this.apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name, labels },
        spec: { replicas: o.replicas ?? 1, selector: { matchLabels: selector }, template: this.template(labels, o) },
      },
    });
    const rs = await this.apps.createNamespacedReplicaSet({
      namespace: ns,
      body: {
        metadata: {
          name: `${name}-${hash}`,
          labels: { ...labels, "pod-template-hash": hash },
          ownerReferences: [owner("apps/v1", "Deployment", name, d.metadata?.uid)],
        },
        spec: {
          replicas: o.replicas ?? 1,
          selector: { matchLabels: { ...selector, "pod-template-hash": hash } },
          template: this.template({ ...labels, "pod-template-hash": hash }, o),
        },
      },
    });
    const ref = owner("apps/v1", "ReplicaSet", `${name}-${hash}`, rs.metadata?.uid);
    return Promise.all(
      Array.from({ length: o.replicas ?? 1 }, (_, i) =>
        this.pod(ns, `${name}-${hash}-${suffix(i)}`, { ...labels, "pod-template-hash": hash }, o, ref),
      ),
    );
  }

  async statefulSet(ns: string, name: string, labels: Labels, o: WorkloadOpts = {}): Promise<V1Pod[]> {
    const s = await this.apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name, labels },
        spec: {
          replicas: o.replicas ?? 1,
          serviceName: name,
          selector: { matchLabels: o.selector ?? labels },
          template: this.template(labels, o),
        },
      },
    });
    const ref = owner("apps/v1", "StatefulSet", name, s.metadata?.uid);
    return Promise.all(
      Array.from({ length: o.replicas ?? 1 }, (_, i) =>
        this.pod(
          ns,
          `${name}-${i}`,
          { ...labels, "controller-revision-hash": `${name}-6f8b9c7d5`, "statefulset.kubernetes.io/pod-name": `${name}-${i}` },
          o,
          ref,
        ),
      ),
    );
  }

  async daemonSet(ns: string, name: string, labels: Labels, nodes: string[], o: WorkloadOpts = {}): Promise<V1Pod[]> {
    const ds = await this.apps.createNamespacedDaemonSet({
      namespace: ns,
      body: { metadata: { name, labels }, spec: { selector: { matchLabels: o.selector ?? labels }, template: this.template(labels, o) } },
    });
    const ref = owner("apps/v1", "DaemonSet", name, ds.metadata?.uid);
    return Promise.all(
      nodes.map((node, i) =>
        this.pod(ns, `${name}-${suffix(i)}`, { ...labels, "controller-revision-hash": "7b9c8d6f5" }, { ...o, node }, ref),
      ),
    );
  }

  /** A pod as a kubelet would report it: bound to a node, Running, Ready, with an IP. */
  async pod(ns: string, name: string, labels: Labels, o: WorkloadOpts = {}, ref?: V1OwnerReference, ip = nextPodIp()): Promise<V1Pod> {
    const created = await this.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name, labels, ...(ref ? { ownerReferences: [ref] } : {}) },
        spec: {
          ...(o.node ? { nodeName: o.node } : {}),
          ...(o.hostNetwork ? { hostNetwork: true } : {}),
          automountServiceAccountToken: false,
          containers: [{ name: "main", image: "registry.local/app:1", ports: o.ports ?? [] }],
        },
      },
    });
    const now = new Date();
    created.status = {
      phase: "Running",
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: "10.0.0.11",
      startTime: now,
      conditions: [
        { type: "Ready", status: "True", lastTransitionTime: now },
        { type: "ContainersReady", status: "True", lastTransitionTime: now },
      ],
    };
    return this.core.replaceNamespacedPodStatus({ name, namespace: ns, body: created });
  }

  /** A Service and the Endpoints an endpoints controller would have written for `pods`. */
  async service(
    ns: string,
    name: string,
    selector: Labels | null,
    ports: V1ServicePort[],
    pods: V1Pod[] = [],
    clusterIP?: string,
  ): Promise<string> {
    const svc = await this.core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name }, spec: { ...(selector ? { selector } : {}), ports, ...(clusterIP ? { clusterIP } : {}) } },
    });
    if (pods.length > 0) {
      await this.core.createNamespacedEndpoints({
        namespace: ns,
        body: {
          metadata: { name },
          subsets: [
            {
              addresses: pods.map((p) => ({
                ip: p.status?.podIP as string,
                targetRef: { kind: "Pod", name: p.metadata?.name ?? "", namespace: ns, uid: p.metadata?.uid ?? "" },
              })),
              ports: ports.map((p) => ({
                ...(p.name ? { name: p.name } : {}),
                protocol: p.protocol ?? "TCP",
                port:
                  typeof p.targetPort === "number" ? p.targetPort : (namedPort(pods[0] as V1Pod, String(p.targetPort ?? p.port)) ?? p.port),
              })),
            },
          ],
        },
      });
    }
    return svc.spec?.clusterIP as string;
  }

  /** The kubernetes Service's Endpoints, as a control-plane node at `ip` would publish them. */
  async apiServerEndpoints(ip = "172.18.0.2"): Promise<void> {
    const svc = await this.core.readNamespacedService({ namespace: "default", name: "kubernetes" });
    const port = Number(svc.spec?.ports?.[0]?.targetPort ?? 6443);
    await this.core.createNamespacedEndpoints({
      namespace: "default",
      body: { metadata: { name: "kubernetes" }, subsets: [{ addresses: [{ ip }], ports: [{ name: "https", port, protocol: "TCP" }] }] },
    });
  }

  /** CoreDNS behind the kube-dns Service, as kubeadm installs it. */
  async dns(): Promise<{ ip: string; pods: V1Pod[] }> {
    const labels = { "k8s-app": "kube-dns" };
    const pods = await this.deployment("kube-system", "coredns", labels, {
      replicas: 2,
      ports: [
        { name: "dns", containerPort: 53, protocol: "UDP" },
        { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
        { name: "metrics", containerPort: 9153, protocol: "TCP" },
      ],
    });
    const ip = await this.service(
      "kube-system",
      "kube-dns",
      labels,
      [
        { name: "dns", port: 53, targetPort: "dns" as never, protocol: "UDP" },
        { name: "dns-tcp", port: 53, targetPort: "dns-tcp" as never, protocol: "TCP" },
        { name: "metrics", port: 9153, targetPort: 9153 as never, protocol: "TCP" },
      ],
      pods,
      "10.96.0.10",
    );
    return { ip, pods };
  }

  template(labels: Labels, o: WorkloadOpts) {
    return {
      metadata: { labels },
      spec: { automountServiceAccountToken: false, containers: [{ name: "main", image: "registry.local/app:1", ports: o.ports ?? [] }] },
    };
  }
}

const suffix = (i: number) => `${"abcdefghij"[i % 10]}${"xyzwv"[Math.floor(i / 10) % 5]}k2p`;

function owner(apiVersion: string, kind: string, name: string, uid: string | undefined): V1OwnerReference {
  return { apiVersion, kind, name, uid: uid as string, controller: true, blockOwnerDeletion: true };
}

function namedPort(pod: V1Pod, name: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}
