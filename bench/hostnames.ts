// Child process of the benchmark: read a --hostnames file of Hubble flows (200,000 DNS answers for 5,000
// names, interleaved with as many non-DNS flows), streamed as the CLI reads it.
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readHostnames } from "../src/cli/load.ts";

const lines: string[] = [];
for (let i = 0; i < 200_000; i++) {
  const ip = `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const dns = { query: `h${i % 5000}.example.com.`, ips: [ip], ttl: 30, rrtypes: ["A"] };
  lines.push(JSON.stringify({ flow: { time: "2026-05-12T10:00:00Z", verdict: "FORWARDED", l7: { type: "RESPONSE", dns } } }));
  const l4 = { TCP: { source_port: 40000 + (i % 20000), destination_port: 443 } };
  lines.push(JSON.stringify({ flow: { time: "2026-05-12T10:00:00Z", verdict: "FORWARDED", IP: { source: "10.0.0.1", destination: ip }, l4 } }));
}
const file = path.join(tmpdir(), `guardian-bench-hostnames-${process.pid}.jsonl`);
writeFileSync(file, `${lines.join("\n")}\n`);
const started = performance.now();
const r = await readHostnames(file);
const ms = performance.now() - started;
rmSync(file);
const mib = lines.reduce((n, l) => n + l.length + 1, 0) / 1048576;
process.stdout.write(
  `${JSON.stringify({ lines: lines.length, mib, ms, entries: r.items.length })}\n`,
);
