// Child of the benchmark: `gen netpol -A --from-hubble -` of the built binary, offline, on Hubble flows
// piped in as fast as it reads them: each synthetic connection (bench/synth.ts, size `large`) as the
// flow at its endpoint, the reply, and an L7 HTTP request record on TCP ones (a third of the flows;
// 20,000 distinct /items/<n> paths and 40 literal /catalog/... ones), so the flows outnumber the rows.
// Usage: node bench/hubble.ts FLOWS [CONNECTIONS] (CONNECTIONS < FLOWS/2: each is seen again, later)
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrokerPod, TrafficRow } from "../src/model/types.ts";
import { SIZES, synthesise } from "./synth.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const FLOWS = Number(process.argv[2] ?? 1_000_000);
const CONNECTIONS = Number(process.argv[3] ?? FLOWS / 2);
const synth = synthesise(SIZES.large as NonNullable<(typeof SIZES)["large"]>, { now: Date.now() });
const byName = new Map<string, BrokerPod>(synth.brokerPods.map((p) => [`${p.namespace}/${p.name}`, p]));
const byIp = new Map<string, BrokerPod>(synth.brokerPods.map((p) => [p.ip, p]));

const endpoint = (p: BrokerPod | undefined) =>
  p
    ? {
        namespace: p.namespace,
        pod_name: p.name,
        labels: [...Object.entries(p.labels).map(([k, v]) => `k8s:${k}=${v}`), `k8s:io.kubernetes.pod.namespace=${p.namespace}`],
        ...(p.workload ? { workloads: [{ name: p.workload.name, kind: p.workload.kind }] } : {}),
      }
    : { labels: ["reserved:world"] };

/** The flow at the row's endpoint and, every other line, the reply on the same connection. */
function lines(r: TrafficRow, i: number): string[] {
  const egress = r.trafficType === "EGRESS";
  const me = { ip: r.podIp, ep: endpoint(byName.get(`${r.podNamespace}/${r.podName}`)) };
  const peer = { ip: r.peerIp, ep: endpoint(byIp.get(r.peerIp)) };
  const eph = 32768 + (i % 28000);
  const [src, dst, sp, dp] = egress ? [me, peer, eph, Number(r.peerPort)] : [peer, me, eph, Number(r.podPort)];
  const time = new Date(r.time).toISOString();
  const f = (reply: boolean) => ({
    flow: {
      time,
      verdict: r.decision === "DROP" ? "DROPPED" : "FORWARDED",
      IP: reply ? { source: dst.ip, destination: src.ip } : { source: src.ip, destination: dst.ip },
      l4: { [r.protocol]: reply ? { source_port: dp, destination_port: sp } : { source_port: sp, destination_port: dp } },
      source: reply ? dst.ep : src.ep,
      destination: reply ? src.ep : dst.ep,
      Type: "L3_L4",
      node_name: "worker-1",
      traffic_direction: r.trafficType,
      is_reply: reply,
    },
  });
  const out = [JSON.stringify(f(false)), JSON.stringify(f(true))];
  if (r.protocol === "TCP") {
    const path = i % 2 === 0 ? `/items/${i % 20_000}` : `/catalog/c${i % 40}/list`;
    const l7 = { ...f(false).flow, Type: "L7", l7: { type: "REQUEST", http: { method: "GET", url: `http://svc${path}`, protocol: "HTTP/1.1" } } };
    out.push(JSON.stringify({ flow: l7 }));
  }
  return out;
}

const dir = mkdtempSync(path.join(tmpdir(), "guardian-hubble-bench-"));
const started = Date.now();
const child = spawn("/usr/bin/time", ["-f", "TIME %e %M", path.join(ROOT, "dist/kubectl-guardian"), "gen", "netpol", "-A", "--from-hubble", "-", "--output-dir", path.join(dir, "out"), "--yes"], {
  env: { PATH: process.env.PATH ?? "", HOME: dir },
  stdio: ["pipe", "ignore", "pipe"],
});
let stderr = "";
child.stderr.on("data", (d) => {
  stderr += d;
});
const exited = new Promise<number | null>((r) => child.on("exit", r));
let written = 0;
let rows = 0;
let buf: string[] = [];
const flush = async () => {
  if (!child.stdin.write(`${buf.join("\n")}\n`)) await new Promise((r) => child.stdin.once("drain", r));
  buf = [];
};
// The first CONNECTIONS rows, then the same connections again (an hour later) until FLOWS lines are written.
const batch: TrafficRow[] = [];
synth.eachRow((r) => {
  if (rows < CONNECTIONS) batch.push(r);
  rows++;
});
for (let i = 0; written < FLOWS; i++) {
  const r = batch[i % batch.length] as TrafficRow;
  const more = lines(i < batch.length ? r : { ...r, time: r.time + 3_600_000 }, i % batch.length);
  buf.push(...more);
  written += more.length;
  if (buf.length >= 2000) await flush();
}
await flush();
child.stdin.end();
const code = await exited;
const m = /TIME ([\d.]+) (\d+)/.exec(stderr);
if (!m) throw new Error(`no timing: ${stderr.slice(-2000)}`);
process.stdout.write(
  `${JSON.stringify({ flows: written, connections: batch.length, wallS: (Date.now() - started) / 1000, rssMiB: Number(m[2]) / 1024, exit: code, summary: stderr.split("\n").find((l) => /NetworkPolic/.test(l)) ?? "" })}\n`,
);
