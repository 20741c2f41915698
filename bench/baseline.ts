// kguardian's strategy, as its CLI does it, for the benchmark: list pods, then for each pod in turn its
// traffic, its own record, and for every peer IP and direction /svc/ip and, without a selector there,
// /pod/ip. Nothing cached, nothing concurrent. Usage: node bench/baseline.ts BROKER_URL PODS_FILE EVERY
import { readFileSync } from "node:fs";

const [brokerUrl, podsFile, everyArg] = process.argv.slice(2) as [string, string, string];
const pods = JSON.parse(readFileSync(podsFile, "utf8")) as string[];
const every = Number(everyArg);
let requests = 0;
const get = async (route: string) => {
  requests++;
  const r = await fetch(`${brokerUrl}${route}`);
  return r.status === 200 ? r.json() : null;
};
const started = Date.now();
let done = 0;
for (const [i, name] of pods.entries()) {
  if (i % every !== 0) continue;
  done++;
  const rows = ((await get(`/pod/traffic/${encodeURIComponent(name)}`)) ?? []) as { pod_ip: string; traffic_type: string; traffic_in_out_ip: string }[];
  if (rows.length === 0) continue;
  await get(`/pod/ip/${rows[0]?.pod_ip}`);
  for (const dir of ["INGRESS", "EGRESS"]) {
    for (const ip of new Set(rows.filter((r) => r.traffic_type === dir).map((r) => r.traffic_in_out_ip))) {
      const svc = (await get(`/svc/ip/${ip}`)) as { service_spec?: { spec?: { selector?: object } } } | null;
      if (!svc?.service_spec?.spec?.selector) await get(`/pod/ip/${ip}`);
    }
  }
}
process.stdout.write(`${JSON.stringify({ wallS: (Date.now() - started) / 1000, requests, sampled: done, total: pods.length })}\n`);
