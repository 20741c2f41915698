// Child process of the benchmark: read a --hostnames file of Hubble DNS flows (200,000 answers, 5,000 names).
import { parseHostnamesFile } from "../src/broker/hostnames.ts";

const lines: string[] = [];
for (let i = 0; i < 200_000; i++) {
  const ip = `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const dns = { query: `h${i % 5000}.example.com.`, ips: [ip], ttl: 30, rrtypes: ["A"] };
  lines.push(JSON.stringify({ flow: { time: "2026-05-12T10:00:00Z", verdict: "FORWARDED", l7: { type: "RESPONSE", dns } } }));
}
const text = lines.join("\n");
const started = performance.now();
const r = parseHostnamesFile(text, "bench");
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ lines: lines.length, mib: text.length / 1048576, ms, entries: r.items.length })}\n`);
