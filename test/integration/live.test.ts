import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CustomObjectsApi, NetworkingV1Api, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { installCiliumCrds } from "../../scripts/cluster/cilium-crds.ts";
import type { PodDetailWire, PodTrafficWire } from "../../src/sources/broker/schema.ts";
import { naive, T0 } from "../support/builders.ts";
import { type FakeBroker, startFakeBroker } from "../support/fake-broker.ts";
import { type FakeKubelet, startFakeKubelet } from "../support/fake-kubelet.ts";
import { runCli, spawnCli } from "../support/io.ts";
import { kubeConfig, Seeder, uniqueNs } from "./seed.ts";

const app = uniqueNs("live");
const kg = uniqueNs("kg");
let seed: Seeder;
let broker: FakeBroker;
let kubelet: FakeKubelet;
let kubeconfig: string;
let refuseForwards = 0;
const env = () => ({ HOME: tmpdir() });

function podDetail(p: V1Pod, dead = false): PodDetailWire {
  return {
    pod_name: p.metadata?.name as string,
    pod_ip: p.status?.podIP as string,
    pod_namespace: p.metadata?.namespace as string,
    pod_obj: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: p.metadata?.name,
        namespace: p.metadata?.namespace,
        labels: p.metadata?.labels,
        ownerReferences: p.metadata?.ownerReferences,
      },
    },
    time_stamp: naive(T0 - 3600_000),
    node_name: "worker-1",
    is_dead: dead,
    pod_identity: null,
    workload_selector_labels: null,
  };
}

let seq = 0;
function row(local: V1Pod, type: "INGRESS" | "EGRESS", peer: string, port: number, proto = "TCP"): PodTrafficWire {
  seq++;
  return {
    uuid: `00000000-0000-4000-9000-${String(seq).padStart(12, "0")}`,
    pod_name: local.metadata?.name as string,
    pod_namespace: local.metadata?.namespace as string,
    pod_ip: local.status?.podIP as string,
    pod_port: type === "INGRESS" ? String(port) : "0",
    ip_protocol: proto,
    traffic_type: type,
    traffic_in_out_ip: peer,
    traffic_in_out_port: type === "INGRESS" ? "0" : String(port),
    decision: "ALLOW",
    time_stamp: naive(T0 + seq * 1000),
  };
}

beforeAll(async () => {
  kubeconfig = inject("kubeconfig");
  seed = new Seeder(kubeConfig(kubeconfig));
  await seed.namespace(app);
  await seed.namespace(kg);
  const web = await seed.deployment(app, "web", { app: "web" }, { replicas: 2, ports: [{ name: "http", containerPort: 8080 }] });
  const [api] = await seed.deployment(app, "api", { app: "api" }, { ports: [{ name: "http", containerPort: 9000 }] });
  const [db] = await seed.statefulSet(app, "db", { app: "db" }, { ports: [{ containerPort: 5432 }] });
  const apiIp = await seed.service(app, "api", { app: "api" }, [{ port: 8080, targetPort: "http" as never }], [api as V1Pod]);
  const dbIp = await seed.service(app, "db", { app: "db" }, [{ port: 5432, targetPort: 5432 as never }], [db as V1Pod]);

  const traffic: PodTrafficWire[] = [];
  for (const w of web) {
    traffic.push(row(w, "EGRESS", apiIp, 8080), row(api as V1Pod, "INGRESS", w.status?.podIP as string, 9000));
    traffic.push(row(w, "EGRESS", "10.96.0.10", 53, "UDP"));
  }
  traffic.push(row(api as V1Pod, "EGRESS", dbIp, 5432), row(db as V1Pod, "INGRESS", api?.status?.podIP as string, 5432));
  traffic.push(row(api as V1Pod, "EGRESS", "10.96.0.1", 443));
  broker = await startFakeBroker({ pods: [...web, api as V1Pod, db as V1Pod].map((p) => podDetail(p)), services: [], traffic });

  kubelet = await startFakeKubelet((ns, pod, port) => {
    // A forward that drops, as when the broker pod's node restarts its kubelet.
    if (refuseForwards > 0) {
      refuseForwards--;
      return undefined;
    }
    return ns === kg && pod === "kguardian-broker-0" && port === 9090 ? { host: "127.0.0.1", port: broker.port } : undefined;
  });
  await seed.node(`kubelet-${kg}`, "127.0.0.1", kubelet.port);
  const labels = { "app.kubernetes.io/name": "kguardian-broker" };
  await seed.pod(kg, "kguardian-broker-0", labels, { node: `kubelet-${kg}`, ports: [{ name: "http", containerPort: 9090 }] });
  await seed.core.createNamespacedService({
    namespace: kg,
    body: {
      // As the chart installs it: app.kubernetes.io/name only on the selector (and the pods).
      metadata: { name: "kguardian-broker", labels: { "app.kubernetes.io/instance": "kguardian", "app.kubernetes.io/managed-by": "Helm" } },
      spec: { selector: labels, ports: [{ name: "http", port: 9090, targetPort: "http" as never }] },
    },
  });
});

afterAll(async () => {
  await kubelet?.close();
  await broker?.close();
});

/** `gen netpol` against the cluster and its broker; YAML to stdout unless `out` names a directory. */
const genArgs = (args: string[], { out = "", brokerNs = kg } = {}) => [
  "gen",
  "netpol",
  ...args,
  "--kubeconfig",
  kubeconfig,
  "--broker-namespace",
  brokerNs,
  "--output-dir",
  out,
];
const gen = (...args: string[]) => runCli(genArgs(args), { env: env() });
const policies = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS());

describe("gen against a live cluster and its broker", () => {
  it("finds the broker, port-forwards to it and generates from live inventory", async () => {
    broker.log.length = 0;
    const r = await gen("--all", "-n", app);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const byName = Object.fromEntries(policies(r.stdout).map((p) => [p.metadata.name, p.spec]));
    expect(Object.keys(byName).sort()).toEqual(["api-guardian", "db-guardian", "web-guardian"]);
    // Service port 8080 → named targetPort http = 9000 on the api pods, from the live inventory.
    expect(byName["web-guardian"].egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { app: "api" } } }],
      ports: [{ port: 9000, protocol: "TCP" }],
    });
    expect(byName["web-guardian"].egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
      ],
      ports: [
        { port: 53, protocol: "TCP" },
        { port: 53, protocol: "UDP" },
      ],
    });
    expect(byName["api-guardian"].egress).toContainEqual(expect.objectContaining({ to: [{ ipBlock: { cidr: "172.18.0.2/32" } }] }));
    expect(byName["db-guardian"].ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: "api" } } }], ports: [{ port: 5432, protocol: "TCP" }] },
    ]);
    expect(kubelet.forwards.some((f) => f === `${kg}/kguardian-broker-0:9090`)).toBe(true);
    expect(broker.log.filter((l) => l === "GET /pod/info")).toHaveLength(1);
    expect(broker.log.filter((l) => l === "GET /svc/info")).toHaveLength(1);
  });

  it("uses the context's namespace when -n is not given, and takes a pod name", async () => {
    const pods = await seed.core.listNamespacedPod({ namespace: app, labelSelector: "app=db" });
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-kc-"));
    const file = path.join(dir, "config");
    await writeFile(
      file,
      (await readFile(kubeconfig, "utf8")).replace(
        "{cluster: guardian-test, user: admin, namespace: default}",
        `{cluster: guardian-test, user: admin, namespace: ${app}}`,
      ),
    );
    const r = await runCli(["gen", "netpol", pods.items[0]?.metadata?.name as string, "--broker-namespace", kg, "--output-dir", ""], {
      env: { ...env(), KUBECONFIG: file },
    });
    expect(r.code).toBe(0);
    expect(policies(r.stdout).map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([`${app}/db-guardian`]);
  });

  it("explain deploy/api and gen sts/db read the live cluster through their own port-forward; explain's rules are gen's", async () => {
    const forwards = kubelet.forwards.length;
    const e = await runCli(["explain", "deploy/api", "-n", app, "--kubeconfig", kubeconfig, "--broker-namespace", kg, "-o", "json"], {
      env: env(),
    });
    expect(e.code).toBe(0);
    expect(kubelet.forwards.length).toBeGreaterThan(forwards);
    const x = JSON.parse(e.stdout) as { rules: { id: string }[]; rows: { resolvedAs: string; connections: { rule: string | null }[] }[] };
    // Its Service traffic is read as the Service, its port and targetPort, and the workload behind it.
    expect(x.rows.map((r) => r.resolvedAs)).toContainEqual(
      expect.stringMatching(/^Service .*\/db port 5432 → targetPort 5432 → statefulset .*\/db/),
    );
    const g = await gen("deploy/api", "-n", app);
    expect(g.code).toBe(0);
    const ids = [...g.stdout.matchAll(/# (r-[0-9a-f]{12}):/g)].map((m) => m[1]);
    expect(x.rules.map((r) => r.id).sort()).toEqual([...new Set(ids)].sort());
    const db = await gen("sts/db", "-n", app);
    expect(policies(db.stdout).map((p) => p.metadata.name)).toEqual(["db-guardian"]);
  });

  it("--broker-url skips the port-forward", async () => {
    const before = kubelet.forwards.length;
    const r = await runCli(
      ["gen", "netpol", "api", "-n", app, "--kubeconfig", kubeconfig, "--broker-url", broker.url, "--output-dir", ""],
      { env: env() },
    );
    expect(r.code).toBe(0);
    expect(kubelet.forwards.length).toBe(before);
  });

  it("records a snapshot that generates the same policies with no cluster", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-snap-"));
    const file = path.join(dir, "snap.json");
    // Names from Hubble's DNS flows travel with the snapshot.
    const hubble = path.join(dir, "dns.jsonl");
    await writeFile(
      hubble,
      `${JSON.stringify({ flow: { l7: { type: "RESPONSE", dns: { query: "api.example.com.", ips: ["203.0.113.9"] } } } })}\n`,
    );
    const s = await runCli(["snapshot", "-o", file, "--kubeconfig", kubeconfig, "--broker-namespace", kg, "--hostnames", hubble], {
      env: env(),
    });
    expect(s.stderr).toMatch(/wrote .*snap.json: \d+ traffic rows, .*, names for 1 addresses/);
    expect(s.code).toBe(0);
    const snap = JSON.parse(await readFile(file, "utf8"));
    expect(snap.kind).toBe("TrafficSnapshot");
    expect(snap.hostnames).toEqual([{ ip: "203.0.113.9", names: ["api.example.com"] }]);
    const live = await gen("--all", "-n", app);
    const offline = await runCli(["gen", "netpol", "--all", "-n", app, "--from-snapshot", file, "--output-dir", ""]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toBe(live.stdout);
    // The same through a pipe: snapshot -o - | gen --from-snapshot -
    const piped = await runCli(["snapshot", "-o", "-", "--kubeconfig", kubeconfig, "--broker-namespace", kg], { env: env() });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toMatch(/wrote the snapshot to stdout: \d+ traffic rows/);
    expect(JSON.parse(piped.stdout).kind).toBe("TrafficSnapshot");
    const fromPipe = await runCli(["gen", "netpol", "--all", "-n", app, "--from-snapshot", "-", "--output-dir", ""], {
      stdin: piped.stdout,
    });
    expect(fromPipe.stdout).toBe(live.stdout);
  });
});

describe("verify against the live cluster", () => {
  it("names the live policy that would cut observed traffic, and exits 4", async () => {
    const net = seed.kc.makeApiClient(NetworkingV1Api);
    await net.createNamespacedNetworkPolicy({
      namespace: app,
      body: { metadata: { name: "lockdown" }, spec: { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"] } },
    });
    try {
      const v = await runCli(["verify", "-n", app, "--kubeconfig", kubeconfig, "--broker-namespace", kg], { env: env() });
      expect(v.code).toBe(4);
      expect(v.stdout.trim()).toBe(
        `DENY deployment ${app}/api → statefulset ${app}/db on 5432/TCP (1 connection) would be denied at ingress by ${app}/lockdown`,
      );
      expect(v.stderr).toMatch(/1 of \d+ observed flow\(s\) would be denied under 1 policy \(1 live, 0 proposed\)/);
      // A proposed policy of the same name replaces the live one it would overwrite.
      const dir = await mkdtemp(path.join(tmpdir(), "guardian-verify-"));
      await writeFile(
        path.join(dir, "fix.yaml"),
        `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lockdown, namespace: ${app}}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]\n`,
      );
      const fixed = await runCli(["verify", "-n", app, "--kubeconfig", kubeconfig, "--broker-namespace", kg, "--policies", dir], {
        env: env(),
      });
      expect(fixed.code).toBe(0);
      expect(fixed.stderr).toMatch(/observed flow\(s\) stay allowed under 1 policy \(1 live, 1 proposed\)/);
    } finally {
      await net.deleteNamespacedNetworkPolicy({ namespace: app, name: "lockdown" });
    }
  });
});

describe("diff against the live cluster", () => {
  const diff = (...args: string[]) =>
    runCli(["diff", "netpol", "--all", "-n", app, "--kubeconfig", kubeconfig, "--broker-namespace", kg, ...args], { env: env() });

  it("lists what to create, then nothing once applied; a changed live policy shows as a unified diff; exit 3 with --exit-code", async () => {
    const net = seed.kc.makeApiClient(NetworkingV1Api);
    try {
      const before = await diff("--exit-code");
      expect(before.code).toBe(3);
      expect(before.stdout).toContain(`+ create NetworkPolicy ${app}/api-guardian`);
      expect(before.stderr).toContain("3 to create, 0 to change, 0 unchanged");

      const out = await mkdtemp(path.join(tmpdir(), "guardian-diff-"));
      const applied = await runCli(genArgs(["--all", "-n", app, "--apply"], { out }), { env: env() });
      expect(applied.code).toBe(0);
      const same = await diff("--exit-code");
      expect(same.code).toBe(0);
      expect(same.stderr).toContain("no changes, 3 unchanged; 0 flow(s) newly allowed, 0 newly denied");

      // Someone widens a managed policy by hand: diff shows it, and the rule no flow uses.
      const live = await net.readNamespacedNetworkPolicy({ namespace: app, name: "db-guardian" });
      live.spec?.ingress?.push({ ports: [{ port: 22 as never, protocol: "TCP" }] });
      await net.replaceNamespacedNetworkPolicy({ namespace: app, name: "db-guardian", body: live });
      const report = path.join(out, "diff.md");
      const changed = await diff("--exit-code", "--report", report);
      expect(await readFile(report, "utf8")).toContain(`- change NetworkPolicy ${app}/db-guardian`);
      expect(changed.code).toBe(3);
      expect(changed.stdout).toContain(`~ change NetworkPolicy ${app}/db-guardian`);
      expect(changed.stdout).toMatch(/^-\s+- ports:\n-\s+- port: 22$/m);
      expect(changed.stdout).toContain(`unused live rule: NetworkPolicy ${app}/db-guardian ingress rule 2 (ours)`);
    } finally {
      for (const p of (await net.listNamespacedNetworkPolicy({ namespace: app })).items) {
        await net.deleteNamespacedNetworkPolicy({ namespace: app, name: p.metadata?.name as string });
      }
    }
  });

  it("Cilium: diff and verify read live CiliumNetworkPolicies", async () => {
    await installCiliumCrds(seed.kc, inject("ciliumSchemas"));
    const custom = seed.kc.makeApiClient(CustomObjectsApi);
    const cnps = { group: "cilium.io", version: "v2", namespace: app, plural: "ciliumnetworkpolicies" };
    try {
      const before = await diff("--type", "cilium", "--exit-code");
      expect(before.code).toBe(3);
      expect(before.stdout).toContain(`+ create CiliumNetworkPolicy ${app}/api-guardian`);
      const out = await mkdtemp(path.join(tmpdir(), "guardian-diff-"));
      const applied = await runCli(genArgs(["--all", "-n", app, "--type", "cilium", "--apply"], { out }), { env: env() });
      expect(applied.code).toBe(0);
      const same = await diff("--type", "cilium", "--exit-code");
      expect(same.code).toBe(0);
      expect(same.stderr).toContain("no changes, 3 unchanged; 0 flow(s) newly allowed, 0 newly denied");
      const v = await runCli(["verify", "-n", app, "--kubeconfig", kubeconfig, "--broker-namespace", kg], { env: env() });
      expect(v.code).toBe(0);
      expect(v.stderr).toMatch(/all \d+ observed flow\(s\) stay allowed under 3 policies \(3 live, 0 proposed\)/);
    } finally {
      const live = (await custom.listNamespacedCustomObject(cnps)) as { items: { metadata: { name: string } }[] };
      for (const o of live.items) await custom.deleteNamespacedCustomObject({ ...cnps, name: o.metadata.name });
    }
  });

  it("a live deny-all that the proposed policies lift shows the flows as newly allowed", async () => {
    const net = seed.kc.makeApiClient(NetworkingV1Api);
    await net.createNamespacedNetworkPolicy({
      namespace: app,
      body: { metadata: { name: "deny-db" }, spec: { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"] } },
    });
    try {
      const d = await diff();
      expect(d.stdout).toContain(`newly allowed: deployment ${app}/api → statefulset ${app}/db on 5432/TCP (1 connection)`);
    } finally {
      await net.deleteNamespacedNetworkPolicy({ namespace: app, name: "deny-db" });
    }
  });
});

describe("faults and secrets", () => {
  it("a dropped port-forward is opened again; one that keeps failing is a clear error", async () => {
    refuseForwards = 1;
    const once = await gen("--all", "-n", app);
    expect(once.code).toBe(0);
    refuseForwards = 100;
    try {
      const never = await gen("--all", "-n", app);
      expect(never.code).toBe(1);
      expect(never.stderr).toContain(`error: port-forward to the broker failed: pod ${kg}/kguardian-broker-0 does not listen on port 9090`);
    } finally {
      refuseForwards = 0;
    }
  });

  it("Ctrl-C while reading the broker: exit 130, no temp files, the port-forward gone with the process", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-int-"));
    broker.fault("/pod/traffic/", { delayMs: 60_000 });
    const seen = broker.log.length;
    try {
      const child = spawnCli([...genArgs(["--all", "-n", app], { out: dir }), "--yes"]);
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      // Interrupt once the run is waiting on the broker (an event, not a guess at timing).
      while (!broker.log.slice(seen).some((l) => l.startsWith("GET /pod/traffic/"))) await new Promise((r) => setTimeout(r, 20));
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      broker.fault("/pod/traffic/", { times: 0 });
    }
  });

  it("the broker token and kubeconfig credentials appear in nothing a run writes or prints", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-secrets-"));
    const token = "tok-d41d8cd98f00";
    const kubeToken = /token: (\S+)/.exec(await readFile(kubeconfig, "utf8"))?.[1] as string;
    broker.state.token = token;
    try {
      const runs = [
        await gen("--all", "-n", app, "--broker-token", token, "-v", "--report", path.join(dir, "r.md")),
        await runCli(
          genArgs(["--all", "-n", app, "--broker-token", token, "--report", path.join(dir, "r.json")], { out: path.join(dir, "out") }),
          { env: env() },
        ),
        await runCli(
          [
            "snapshot",
            "-o",
            path.join(dir, "snap.json"),
            "--kubeconfig",
            kubeconfig,
            "--broker-namespace",
            kg,
            "--broker-token",
            token,
            "-v",
          ],
          { env: env() },
        ),
        await gen("--all", "-n", app, "--broker-token", "wrong-token-123"),
      ];
      const written = await Promise.all(
        (await readdir(dir, { recursive: true })).map((f) => readFile(path.join(dir, f), "utf8").catch(() => "")),
      );
      const everything = [...runs.flatMap((r) => [r.stdout, r.stderr]), ...written].join("\n");
      expect(runs[0]?.code).toBe(0);
      expect(written.length).toBeGreaterThanOrEqual(5);
      for (const secret of [token, kubeToken, "wrong-token-123"]) expect(everything).not.toContain(secret);
    } finally {
      delete broker.state.token;
    }
  });
});

describe("errors, one line each", () => {
  it("a pod without rows: No traffic data found, with the seed's advice", async () => {
    const quiet = uniqueNs("quiet");
    await seed.namespace(quiet);
    await seed.deployment(quiet, "idle", { app: "idle" });
    const r = await gen("idle", "-n", quiet);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: No traffic data found for pod ${quiet}/idle\nLet the workload run 5-15 minutes under normal load`);
    // With --all, a workload without traffic is listed as skipped, not a failure; --strict fails on it.
    await seed.deployment(quiet, "busy", { app: "busy" });
    const all = await gen("--all", "-n", quiet);
    expect(all.code).toBe(0);
    expect(all.stderr).toContain(`note: No traffic data found for deployment ${quiet}/idle`);
    expect(all.stderr).toContain("2 workloads skipped (2 without traffic; --strict fails the run on these)");
    expect((await gen("--all", "-n", quiet, "--strict")).code).toBe(1);
  });

  it("broker Service not found: lists what was tried", async () => {
    const empty = uniqueNs("nobroker");
    await seed.namespace(empty);
    const r = await runCli(genArgs(["--all", "-n", app], { brokerNs: empty }), { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: kguardian broker Service not found in namespace "${empty}" (tried names kguardian-broker, broker, then a selector or label app.kubernetes.io/name=kguardian-broker); install kguardian, or pass --broker-namespace / --broker-service, or --broker-url`,
    );
  });

  it("a broker Service of another name is found by its selector, as the chart labels it", async () => {
    const ns = uniqueNs("renamed");
    await seed.namespace(ns);
    const labels = { "app.kubernetes.io/name": "kguardian-broker" };
    await seed.core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: "my-release-api", labels: { "app.kubernetes.io/instance": "my-release" } },
        spec: { selector: labels, ports: [{ port: 9090 }] },
      },
    });
    const r = await runCli(genArgs(["--all", "-n", app], { brokerNs: ns }), { env: env() });
    // Found: the lookup got as far as the pods behind it.
    expect(r.stderr).toMatch(/^error: no Ready broker pod behind Service .*\/my-release-api /m);
  });

  it("no Ready broker pod", async () => {
    const ns = uniqueNs("notready");
    await seed.namespace(ns);
    const labels = { "app.kubernetes.io/name": "kguardian-broker" };
    await seed.core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: "kguardian-broker", labels }, spec: { selector: labels, ports: [{ port: 9090 }] } },
    });
    const r = await runCli(genArgs(["--all", "-n", app], { brokerNs: ns }), { env: env() });
    expect(r.stderr).toMatch(
      /^error: no Ready broker pod behind Service .*\/kguardian-broker \(0 pod\(s\) match app.kubernetes.io\/name=kguardian-broker\)/m,
    );
  });

  it("401 asks for --broker-token; the token works and never shows", async () => {
    broker.state.token = "tok-3f9a7";
    try {
      const r = await gen("--all", "-n", app);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/pass --broker-token or set BROKER_AUTH_TOKEN/);
      const ok = await gen("--all", "-n", app, "--broker-token", "tok-3f9a7", "-v");
      expect(ok.code).toBe(0);
      expect(ok.stderr).toMatch(/GET \/pod\/info 200/);
      expect(ok.stdout + ok.stderr).not.toContain("tok-3f9a7");
    } finally {
      delete broker.state.token;
    }
  });

  it("a 1.20 broker end to end: a catalog token is refused naming the read scope; a read token reads", async () => {
    broker.state.version = "1.20";
    broker.state.tokens = { "cat-1": ["catalog"], "read-1": ["read"] };
    try {
      const cat = await gen("--all", "-n", app, "--broker-token", "cat-1");
      expect(cat.code).toBe(1);
      expect(cat.stderr).toMatch(
        /^error: the broker refused the token for \/(pod|svc)\/info \(403: token lacks the 'read' scope\); reads need a token with the 'read' scope/m,
      );
      const ok = await runCli(genArgs(["--all", "-n", app]), { env: { ...env(), KGUARDIAN_BROKER_TOKEN: " read-1\n" } });
      expect(ok.stderr).not.toMatch(/^error/m);
      expect(ok.code).toBe(0);
    } finally {
      delete broker.state.version;
      delete broker.state.tokens;
    }
  });

  it("a 1.20 broker end to end: a pod cut at the 20,000-row cap is reported, and --dry-run=server changes nothing", async () => {
    broker.state.version = "1.20";
    const before = broker.state.pods;
    const rows = broker.state.traffic;
    const victim = rows.find((r) => r.pod_namespace === app && r.traffic_type === "EGRESS") as (typeof rows)[number];
    broker.state.pods = before.map((p) => ({ ...p, pod_ips: [p.pod_ip], started_at: p.time_stamp }));
    broker.state.traffic = [...rows, ...Array.from({ length: 20_000 }, (_, i) => ({ ...victim, uuid: `cap-${i}` }))];
    try {
      const r = await gen("--all", "-n", app, "--dry-run=server");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`evidence incomplete: the broker served only the newest 20,000 rows of pod ${app}/${victim.pod_name}`);
      expect(r.stderr).toMatch(
        /^error: nothing was sent to the API server: the evidence is incomplete \(1 pod\(s\) cut at the broker's per-pod cap\)/m,
      );
    } finally {
      delete broker.state.version;
      broker.state.pods = before;
      broker.state.traffic = rows;
    }
  });

  it("an unhealthy broker", async () => {
    broker.state.healthy = false;
    try {
      const r = await gen("--all", "-n", app);
      expect(r.stderr).toMatch(/^error: the broker is unhealthy \(503 for \/health: Database unavailable\)/m);
    } finally {
      broker.state.healthy = true;
    }
  });

  it("an unknown context names the known ones", async () => {
    const r = await gen("--all", "-n", app, "--context", "nope");
    expect(r.stderr).toMatch(/^error: context "nope" not found in kubeconfig \(known: admin, viewer\); pass one with --context$/m);
  });

  it("an unreachable API server", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-kc-"));
    const file = path.join(dir, "config");
    await writeFile(
      file,
      "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
    );
    const r = await runCli(["gen", "netpol", "--all", "-n", app, "--kubeconfig", file, "--broker-url", broker.url, "--output-dir", ""], {
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: cannot reach the API server at https:\/\/127.0.0.1:9 \(.*\); check the context with 'kubectl cluster-info'$/m,
    );
  });

  it("a user without list rights degrades with warnings; without portforward rights the forward fails clearly", async () => {
    // viewer may read pods and services (for the broker lookup), nothing else, and may not port-forward.
    const role = `viewer-${kg}`;
    await seed.rbac.createClusterRole({
      body: { metadata: { name: role }, rules: [{ apiGroups: [""], resources: ["pods", "services"], verbs: ["get", "list"] }] },
    });
    await seed.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: role },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "viewer" }],
      },
    });
    const r = await gen("--all", "-n", app, "--context", "viewer");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: port-forward to the broker failed: .*403.*$/m);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error:")),
    ).toHaveLength(1);

    // With port-forward allowed, the run succeeds; each kind it may not list is a warning, not a crash.
    await seed.rbac.replaceClusterRole({
      name: role,
      body: {
        metadata: { name: role },
        rules: [
          { apiGroups: [""], resources: ["pods", "services"], verbs: ["get", "list"] },
          { apiGroups: [""], resources: ["pods/portforward"], verbs: ["get", "create"] },
        ],
      },
    });
    const ok = await gen("--all", "-n", app, "--context", "viewer");
    expect(ok.stderr).not.toMatch(/^error/m);
    expect(ok.code).toBe(0);
    for (const res of [
      "namespaces",
      "nodes",
      "endpoints",
      "replicasets.apps",
      "deployments.apps",
      "statefulsets.apps",
      "daemonsets.apps",
      "jobs.batch",
    ]) {
      expect(ok.stderr).toContain(`warning: cannot list ${res} in all namespaces (forbidden); `);
    }
    // Without ReplicaSets the Deployment still comes from the pod-template-hash naming.
    expect(
      policies(ok.stdout)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(["api-guardian", "db-guardian", "web-guardian"]);
  });
});
