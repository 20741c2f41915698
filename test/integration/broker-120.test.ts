// A 1.20 broker through the port-forward, against the real API server: identity stamped at capture,
// start times for reused addresses, --since on first-seen rows, and the agent's settings read from its
// controller DaemonSet.
import { tmpdir } from "node:os";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { PodDetailWire, PodTrafficWire } from "../../src/sources/broker/schema.ts";
import { naive } from "../support/builders.ts";
import { type FakeBroker, startFakeBroker } from "../support/fake-broker.ts";
import { type FakeKubelet, startFakeKubelet } from "../support/fake-kubelet.ts";
import { runCli } from "../support/io.ts";
import { kubeConfig, nextPodIp, Seeder, uniqueNs } from "./seed.ts";

const app = uniqueNs("b120");
const kg = uniqueNs("kg120");
const logging = uniqueNs("logs120");
const quiet = uniqueNs("quiet120");
const DAY = 86_400_000;
let broker: FakeBroker;
let kubelet: FakeKubelet;
let kubeconfig: string;
let now = 0;

/** A pod as the 1.20 broker lists it; `dead` ones exist only there. */
function detail(
  p: { name: string; ns: string; ip: string; labels: Record<string, string>; node: string },
  o: { dead?: boolean; started: number; seen: number; workload: string },
): PodDetailWire {
  return {
    pod_name: p.name,
    pod_ip: p.ip,
    pod_namespace: p.ns,
    pod_obj: { metadata: { name: p.name, namespace: p.ns, labels: p.labels } },
    time_stamp: naive(o.seen),
    node_name: p.node,
    is_dead: o.dead === true,
    pod_identity: p.labels.app ?? null,
    workload_selector_labels: { app: p.labels.app as string },
    pod_ips: [p.ip],
    workload_kind: "Deployment",
    workload_name: o.workload,
    capture_level: "full",
    host_network: false,
    started_at: naive(o.started),
  };
}
const fromPod = (p: V1Pod) => ({
  name: p.metadata?.name as string,
  ns: p.metadata?.namespace as string,
  ip: p.status?.podIP as string,
  labels: p.metadata?.labels ?? {},
  node: p.spec?.nodeName as string,
});

let seq = 0;
type Peer = { kind: string; ns: string; name: string; workload: string } | null;
/** An egress row, first seen at `at`, with the identity the broker stamped (null: unresolved). */
function egress(
  local: { name: string; ns: string; ip: string },
  ip: string,
  port: number,
  at: number,
  peer: Peer,
  proto = "TCP",
): PodTrafficWire {
  seq++;
  return {
    uuid: `00000000-0000-4000-a000-${String(seq).padStart(12, "0")}`,
    pod_name: local.name,
    pod_namespace: local.ns,
    pod_ip: local.ip,
    pod_port: "0",
    ip_protocol: proto,
    traffic_type: "EGRESS",
    traffic_in_out_ip: ip,
    traffic_in_out_port: String(port),
    decision: "ALLOW",
    time_stamp: naive(at),
    peer_kind: peer?.kind ?? null,
    peer_namespace: peer?.ns ?? null,
    peer_name: peer?.name ?? null,
    peer_uid: peer ? "00000000-0000-4000-8000-0000000000aa" : null,
    peer_workload_kind: peer ? "Deployment" : null,
    peer_workload_name: peer?.workload ?? null,
    peer_resolved_at: peer ? naive(at) : null,
  };
}

beforeAll(async () => {
  kubeconfig = inject("kubeconfig");
  const seed = new Seeder(kubeConfig(kubeconfig));
  for (const ns of [app, kg, logging, quiet]) await seed.namespace(ns);
  const node = `n1-${app}`;
  await seed.node(node, "172.18.0.31");
  const [web] = await seed.deployment(app, "web", { app: "web" }, { node });
  const [api] = await seed.deployment(app, "api", { app: "api" }, { node });
  const [cache] = await seed.deployment(app, "cache", { app: "cache" }, { node });
  const [batch] = await seed.deployment(quiet, "batch", { app: "batch" }, { node });
  const [logAgent] = await seed.daemonSet(logging, "log-agent", { app: "log-agent" }, [node]);
  // The controller as the chart runs it, with one namespace more excluded than the defaults.
  await seed.apps.createNamespacedDaemonSet({
    namespace: kg,
    body: {
      metadata: { name: "kguardian-controller" },
      spec: {
        selector: { matchLabels: { app: "kguardian-controller" } },
        template: {
          metadata: { labels: { app: "kguardian-controller" } },
          spec: {
            containers: [
              {
                name: "controller",
                image: "kguardian/controller:1.20.1",
                env: [
                  { name: "EXCLUDED_NAMESPACES", value: `kube-system,kguardian,${quiet}` },
                  { name: "IGNORE_DAEMONSET_TRAFFIC", value: "true" },
                ],
              },
            ],
          },
        },
      },
    },
  });
  now = Date.now();
  const [w, a, c, b, l] = [web, api, cache, batch, logAgent].map((p) => fromPod(p as V1Pod));
  if (!w || !a || !c || !b || !l) throw new Error("seeded one pod each");
  const live = (p: ReturnType<typeof fromPod>, workload: string) => detail(p, { started: now, seen: now, workload });
  // A cache pod gone a week ago held the address api holds now; a web replica gone five days ago (inside the
  // broker's 14-day retention, so its rows are still served).
  const oldCache = { name: "cache-5d8f7c9b4-old1", ns: app, ip: a.ip, labels: { app: "cache" }, node };
  const oldWeb = { name: "web-5d8f7c9b4-gone1", ns: app, ip: nextPodIp(), labels: { app: "web" }, node };
  const pods = [
    live(w, "web"),
    live(a, "api"),
    live(c, "cache"),
    live(b, "batch"),
    { ...live(l, "log-agent"), workload_kind: "DaemonSet" },
    detail(oldCache, { dead: true, started: now - 8 * DAY, seen: now - 7 * DAY, workload: "cache" }),
    // Gone 20 days ago: past the retention, its rows pruned; never requested.
    detail(
      { ...oldWeb, name: "web-5d8f7c9b4-pruned", ip: nextPodIp() },
      { dead: true, started: now - 25 * DAY, seen: now - 20 * DAY, workload: "web" },
    ),
    detail(oldWeb, { dead: true, started: now - 10 * DAY, seen: now - 5 * DAY, workload: "web" }),
  ];
  const traffic = [
    // Stamped at capture: the cache pod of that time, though api holds the address now.
    egress(w, a.ip, 6379, now - 7 * DAY - 3_600_000, { kind: "pod", ns: app, name: oldCache.name, workload: "cache" }),
    // Unstamped, seen once api had started: api.
    egress(w, a.ip, 9000, now, null),
    // First seen a month ago by a pod still running: kept under --since 1d.
    egress(w, "198.51.100.7", 443, now - 30 * DAY, null),
    // By a pod gone long before the window: dropped under --since 1d.
    egress(oldWeb, "203.0.113.50", 443, now - 6 * DAY, null),
    egress(w, "203.0.113.9", 4789, now - 60_000, null, "UDP"),
    egress(w, b.ip, 8080, now - 60_000, { kind: "pod", ns: quiet, name: b.name, workload: "batch" }),
  ];
  broker = await startFakeBroker({ version: "1.20", pods, services: [], traffic });
  kubelet = await startFakeKubelet((ns, pod, port) =>
    ns === kg && pod === "kguardian-broker-0" && port === 9090 ? { host: "127.0.0.1", port: broker.port } : undefined,
  );
  await seed.node(`kubelet-${kg}`, "127.0.0.1", kubelet.port);
  const labels = { "app.kubernetes.io/name": "kguardian-broker" };
  await seed.pod(kg, "kguardian-broker-0", labels, { node: `kubelet-${kg}`, ports: [{ name: "http", containerPort: 9090 }] });
  await seed.service(kg, "kguardian-broker", labels, [{ name: "http", port: 9090, targetPort: "http" as never }], []);
});

afterAll(async () => {
  await kubelet?.close();
  await broker?.close();
});

const gen = (...args: string[]) =>
  runCli(["gen", "netpol", ...args, "--kubeconfig", kubeconfig, "--broker-namespace", kg, "--output-dir", ""], { env: { HOME: tmpdir() } });
const egressOf = (yaml: string, name: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS())
    .find((p) => p.metadata.name === name)?.spec.egress as { to: unknown[]; ports: { port: number }[] }[];
const peerOn = (rules: { to: unknown[]; ports: { port: number }[] }[], port: number) =>
  JSON.stringify(rules.filter((r) => r.ports.some((p) => p.port === port)).map((r) => r.to));

describe("a 1.20 broker through the port-forward", () => {
  it("a stamped identity decides who the peer was; an unstamped row goes to the pod that had started", async () => {
    const r = await gen("web", "-n", app);
    expect(r.stderr).not.toMatch(/^error/m);
    const rules = egressOf(r.stdout, "web-guardian");
    expect(peerOn(rules, 6379)).toBe(JSON.stringify([[{ podSelector: { matchLabels: { app: "cache" } } }]]));
    expect(peerOn(rules, 9000)).toBe(JSON.stringify([[{ podSelector: { matchLabels: { app: "api" } } }]]));
    expect(r.stdout).toMatch(/1 connection first seen/);
  });

  it("--since keeps a connection of a pod still running, however long ago it was first seen, and drops a long-gone pod's", async () => {
    broker.log.length = 0;
    const all = await gen("web", "-n", app, "-v");
    expect(broker.log).toContain(`GET /pod/traffic/${"web-5d8f7c9b4-gone1"}`);
    expect(broker.log).not.toContain("GET /pod/traffic/web-5d8f7c9b4-pruned");
    expect(all.stderr).toContain(
      "skipped 1 departed pod(s): gone more than POD_TRAFFIC_RETENTION_DAYS=14 days ago (the broker's default), so the broker has pruned its rows",
    );
    expect(peerOn(egressOf(all.stdout, "web-guardian"), 443)).toContain("203.0.113.50/32");
    const r = await gen("web", "-n", app, "--since", "1d");
    const rules = egressOf(r.stdout, "web-guardian");
    expect(peerOn(rules, 443)).toContain("198.51.100.7/32");
    expect(peerOn(rules, 443)).not.toContain("203.0.113.50");
  });

  it("reads the agent's settings from the controller: its excluded namespace is skipped with a note, its ignored DaemonSet warned of", async () => {
    const q = await gen("batch", "-n", quiet);
    expect(q.stdout).toBe("");
    expect(q.stderr).toContain(
      `does not record pods of namespace ${quiet} (EXCLUDED_NAMESPACES, from daemonset ${kg}/kguardian-controller)`,
    );
    const r = await gen("web", "-n", app);
    expect(r.stderr).toMatch(
      new RegExp(
        `ignores daemonset ${logging}/log-agent on the same node\\(s\\) \\(IGNORE_DAEMONSET_TRAFFIC, from daemonset ${kg}/kguardian-controller\\)`,
      ),
    );
    expect(r.stderr).toMatch(/allows UDP 4789: the kguardian agent stores one UDP egress per peer address/);
  });
});
