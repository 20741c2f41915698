// Child of the benchmark: `gen netpol -A` of the built binary end to end against a fake 1.20 broker on
// loopback (2 ms per answer, its read budget enforced: a 6th concurrent traffic read waits, then gets
// 503 Retry-After) holding the cluster's history (departed replicas), and a real kube-apiserver seeded
// with the live cluster; beside an earlier build (--before BIN) and a client that follows kguardian's
// own strategy. Usage: node bench/e2e.ts SIZE [--before BIN]
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { mapLimit } from "../src/sources/broker/limit.ts";
import { startCluster } from "../scripts/cluster/test-cluster.ts";
import { startFakeBroker } from "../test/support/fake-broker.ts";
import { kubeConfig, Seeder } from "../test/integration/seed.ts";
import { SIZES, synthesise, wireRow } from "./synth.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const size = SIZES[process.argv[2] as string];
if (!size) throw new Error(`unknown size ${process.argv[2]}`);
const LATENCY_MS = 2;
const log = (s: string) => process.stderr.write(`[e2e ${size.name}] ${s}\n`);

const before = process.argv[3] === "--before" ? process.argv[4] : undefined;
const synth = synthesise(size, { now: Date.now() });
const cluster = await startCluster();
try {
  const seed = new Seeder(kubeConfig(cluster.kubeconfig));
  const inv = synth.inventory;
  const t0 = Date.now();
  for (const ns of inv.namespaces) {
    if (ns.name !== "default" && ns.name !== "kube-system") {
      await seed.namespace(ns.name);
      continue;
    }
    // Kubernetes ≥ 1.21 labels every namespace with its name; this 1.20 server does not.
    const live = await seed.core.readNamespace({ name: ns.name });
    live.metadata = { ...live.metadata, labels: { ...live.metadata?.labels, "kubernetes.io/metadata.name": ns.name } };
    await seed.core.replaceNamespace({ name: ns.name, body: live });
  }
  // Pods as controllers would have made them: owner chain, IPs, Ready.
  const byWorkload = new Map<string, typeof inv.pods>();
  for (const p of inv.pods) byWorkload.set(`${p.namespace}/${p.owner?.name}`, [...(byWorkload.get(`${p.namespace}/${p.owner?.name}`) ?? []), p]);
  await mapLimit(inv.workloads, 16, async (w) => {
    const pods = byWorkload.get(`${w.namespace}/${w.name}`) ?? [];
    const hash = pods[0]?.labels["pod-template-hash"] ?? "5d8f7c9b4";
    const labels = Object.fromEntries(Object.entries(pods[0]?.labels ?? {}).filter(([k]) => k !== "pod-template-hash"));
    const d = await seed.apps.createNamespacedDeployment({
      namespace: w.namespace,
      body: { metadata: { name: w.name }, spec: { selector: { matchLabels: w.selector ?? labels }, template: seed.template(labels, {}) } },
    });
    const rs = await seed.apps.createNamespacedReplicaSet({
      namespace: w.namespace,
      body: {
        metadata: { name: `${w.name}-${hash}`, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: w.name, uid: d.metadata?.uid as string, controller: true }] },
        spec: { selector: { matchLabels: { ...(w.selector ?? labels), "pod-template-hash": hash } }, template: seed.template({ ...labels, "pod-template-hash": hash }, {}) },
      },
    });
    const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: `${w.name}-${hash}`, uid: rs.metadata?.uid as string, controller: true };
    for (const p of pods) {
      await seed.pod(
        p.namespace,
        p.name,
        p.labels,
        { ports: p.containerPorts.map((c) => ({ ...(c.name ? { name: c.name } : {}), containerPort: c.port, protocol: c.protocol })) },
        ref,
        p.ips[0] as string,
      );
    }
  });
  for (const s of inv.services) {
    if (s.name === "kubernetes") continue;
    await seed.core.createNamespacedService({
      namespace: s.namespace,
      body: { metadata: { name: s.name }, spec: { clusterIP: s.clusterIPs[0] as string, ...(s.selector ? { selector: s.selector } : {}), ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort as never, protocol: p.protocol })) } },
    });
  }
  log(`seeded ${inv.pods.length} pods in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Each pod's answer serialised up front: the fake must not compete with the binary for the CPU.
  const perPod = new Map<string, string[]>();
  synth.eachRow((r) => {
    const list = perPod.get(r.podName);
    const text = JSON.stringify(wireRow(r));
    if (list) list.push(text);
    else perPod.set(r.podName, [text]);
  });
  const trafficBodies = new Map<string, Buffer>();
  for (const [name, list] of perPod) trafficBodies.set(name, Buffer.from(`[${list.join(",")}]`));
  perPod.clear();
  const broker = await startFakeBroker({ ...synth.catalog(), traffic: [], trafficBodies, version: "1.20", latencyMs: LATENCY_MS });
  log(`broker: ${synth.brokerPods.length} pod records (${synth.dead.pods} departed, ${synth.dead.withRows} with rows inside retention), ${trafficBodies.size} pods with rows`);
  // Counts the binary's API requests on their way to the API server.
  let apiRequests = 0;
  const proxy = createServer((req: IncomingMessage, res) => {
    apiRequests++;
    const up = httpsRequest(`${cluster.server}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(cluster.server).host }, rejectUnauthorized: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const dir = mkdtempSync(path.join(tmpdir(), "guardian-bench-"));
  const kc = path.join(dir, "kubeconfig");
  writeFileSync(
    kc,
    `apiVersion: v1\nkind: Config\nclusters: [{name: p, cluster: {server: "http://127.0.0.1:${(proxy.address() as { port: number }).port}", insecure-skip-tls-verify: true}}]\nusers: [{name: a, user: {token: ${cluster.adminToken}}}]\ncontexts: [{name: p, context: {cluster: p, user: a}}]\ncurrent-context: p\n`,
  );

  /** One `gen netpol -A` of a binary: wall time, peak RSS (GNU time), requests, reads shed. */
  const runBinary = async (bin: string, label: string, extra: string[] = []) => {
    broker.log.length = 0;
    broker.shed.length = 0;
    apiRequests = 0;
    const started = Date.now();
    // Async: the broker and the proxy answer from this very process.
    const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn("/usr/bin/time", ["-f", "TIME %e %M", bin, "gen", "netpol", "-A", "--kubeconfig", kc, "--broker-url", broker.url, "--output-dir", path.join(dir, `out-${label}`), "--yes", ...extra], {
        env: { PATH: process.env.PATH ?? "", HOME: dir },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      child.on("exit", (status) => resolve({ status, stderr }));
    });
    const wall = (Date.now() - started) / 1000;
    const m = /TIME ([\d.]+) (\d+)/.exec(run.stderr);
    if (!m) throw new Error(`no timing from the run of ${label}: ${run.stderr.slice(-2000)}`);
    const r = { wallS: wall, rssMiB: Number(m[2]) / 1024, brokerRequests: broker.log.length, shed: broker.shed.length, apiRequests, exit: run.status, summary: run.stderr.split("\n").find((l) => /NetworkPolic/.test(l)) ?? "" };
    log(`${label}: ${wall.toFixed(1)} s, ${r.rssMiB.toFixed(0)} MiB, ${r.brokerRequests} broker requests (${r.shed} shed), ${apiRequests} API requests, exit ${r.exit}: ${r.summary}`);
    return r;
  };
  // BENCH_ROUNDS=N: each build N times, alternating (the first run of a pass warms caches), the median kept.
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? "1"));
  const oursRuns: Awaited<ReturnType<typeof runBinary>>[] = [];
  const beforeRuns: typeof oursRuns = [];
  for (let i = 0; i < rounds; i++) {
    oursRuns.push(await runBinary(path.join(ROOT, "dist/kubectl-guardian"), "ours"));
    if (before) beforeRuns.push(await runBinary(before, "before"));
  }
  const median = (runs: typeof oursRuns) => [...runs].sort((a, b) => a.wallS - b.wallS)[Math.floor((runs.length - 1) / 2)];
  const ours = median(oursRuns) as (typeof oursRuns)[number];
  const earlier = before ? (median(beforeRuns) ?? null) : null;
  // BENCH_TRY="--concurrency 5;--concurrency 8": extra runs of this build with other flags, for tuning.
  for (const flags of (process.env.BENCH_TRY ?? "").split(";").filter(Boolean)) await runBinary(path.join(ROOT, "dist/kubectl-guardian"), flags, flags.split(" "));
  // BENCH_PROFILE_DIR=DIR: one more run of the bundle under the V8 profiler, its .cpuprofile left in DIR.
  const profile = process.env.BENCH_PROFILE_DIR;
  if (profile) {
    const wrapper = path.join(dir, "profiled");
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" --cpu-prof --cpu-prof-dir="${profile}" "${path.join(ROOT, "build/kubectl-guardian.mjs")}" "$@"\n`, { mode: 0o755 });
    await runBinary(wrapper, "profiled");
  }

  // kguardian's strategy in its own process (bench/baseline.ts), on about 100 pods: more would take it
  // minutes at the larger sizes; wall time and requests scale with the pod count.
  const pods = inv.pods.filter((p) => p.namespace !== "kube-system").map((p) => p.name);
  const podsFile = path.join(dir, "pods.json");
  writeFileSync(podsFile, JSON.stringify(pods));
  const every = Math.max(1, Math.round(pods.length / 100));
  const b = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("/usr/bin/time", ["-f", "TIME %e %M", process.execPath, path.join(ROOT, "bench/baseline.ts"), broker.url, podsFile, String(every)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
  const br = JSON.parse(b.stdout.trim()) as { wallS: number; requests: number; sampled: number; total: number };
  const bm = /TIME ([\d.]+) (\d+)/.exec(b.stderr);
  const factor = br.total / br.sampled;
  const baseline = {
    wallS: br.wallS * factor,
    brokerRequests: Math.round(br.requests * factor),
    // It lists nodes (a connectivity check) and pods; RSS is of the sampled run.
    apiRequests: 2,
    rssMiB: Number(bm?.[2] ?? 0) / 1024,
    extrapolated: factor > 1 ? `from ${br.sampled} of ${br.total} pods` : "",
  };
  log(`baseline: ${baseline.wallS.toFixed(1)} s, ${baseline.brokerRequests} broker requests ${baseline.extrapolated}`);
  // Pods whose evidence can matter to -A: every live pod, and each departed one whose rows the broker may
  // still hold (past retention by less than the pruner's cadence and the sweep slack).
  const matter = inv.pods.length + synth.dead.mayHoldRows;
  process.stdout.write(`${JSON.stringify({ size: size.name, pods: inv.pods.length, rows: size.rows, dead: synth.dead, matter, ours, before: earlier, baseline })}\n`);
  proxy.close();
  await broker.close();
} finally {
  await cluster.stop();
}
