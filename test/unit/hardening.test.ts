// Hostile input: broker answers we do not control, names from the cluster, secrets in pod specs.
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import fc from "fast-check";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { TrafficRow } from "../../src/model/types.ts";
import { writeFiles } from "../../src/output/files.ts";
import { toYaml } from "../../src/output/yaml.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { BrokerError, parseListBody } from "../../src/sources/broker/client.ts";
import { normaliseTraffic, PodTrafficWire } from "../../src/sources/broker/schema.ts";
import { HostnamesError, type ParsedHostnames, readHostnameLines } from "../../src/sources/hubble/hostnames.ts";
import { sanitiseWire } from "../../src/sources/snapshot/snapshot.ts";
import { Cluster, naive, T0 } from "../support/builders.ts";
import { junk as junkOf } from "../support/fuzz.ts";
import { defaults, gen } from "../support/generate.ts";

const FIELDS = [
  "uuid",
  "pod_name",
  "pod_namespace",
  "pod_ip",
  "pod_port",
  "ip_protocol",
  "traffic_type",
  "traffic_in_out_ip",
  "traffic_in_out_port",
  "decision",
  "time_stamp",
];

/** Anything a broken or hostile broker might put in a field. */
const junk = junkOf(
  20000,
  fc.constantFrom(
    "999.1.1.1",
    "10.0.0",
    "::g",
    "0.0.0.0",
    "127.0.0.1",
    "::1",
    "fe80::1%eth0",
    "",
    "-1",
    "65536",
    "0",
    "08080",
    "1e3",
    "ICMP",
    "GRE",
    "tcp",
    "UNKNOWN(99)",
    "DROP",
    "allow",
    "EGRESS ",
    "Ingress",
  ),
  fc.constantFrom("2999-01-01T00:00:00", "2026-13-45T99:99:99", "not a time", "\uFFFD\uD800", "\u0000\u001b[31m"),
  fc.array(fc.integer(), { maxLength: 3 }),
);

function world() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api" });
  c.connect(web!, api!, 8080).row(web!, "EGRESS", "93.184.216.34", 443);
  return { c, template: c.wire.traffic[0]! };
}

/** A response body: rows from a valid template with fields replaced, duplicated, or raw garbage. */
const body = (template: Record<string, unknown>) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(fc.record({ field: fc.constantFrom(...FIELDS), value: junk, drop: fc.boolean(), dup: fc.boolean() }), { maxLength: 6 })
        .map((edits) => {
          const rows: unknown[] = [];
          for (const [i, e] of edits.entries()) {
            const row: Record<string, unknown> = { ...template, uuid: `fuzz-${i}` };
            if (e.drop) delete row[e.field];
            else row[e.field] = e.value;
            rows.push(row);
            if (e.dup) rows.push(row);
          }
          return JSON.stringify(rows);
        }),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("utf8")) },
    { weight: 1, arbitrary: fc.constantFrom("[", '[{"uuid":', "null", "{}", '"x"', "[1,2,3]", `[${JSON.stringify(template)}`) },
  );

describe("fuzzed broker answers", () => {
  it("10,000 answers: never a crash, never an invalid object or a rule wider than the evidence, every rejection counted", () => {
    const { c, template } = world();
    let answers = 0;
    fc.assert(
      fc.property(fc.array(body(template), { minLength: 5, maxLength: 5 }), (bodies) => {
        const rows: TrafficRow[] = [];
        for (const b of bodies) {
          answers++;
          try {
            const parsed = parseListBody("/pod/traffic/x", b, PodTrafficWire, normaliseTraffic);
            const total = (JSON.parse(b) as unknown[]).length;
            expect(parsed.items.length + parsed.malformed).toBe(total);
            rows.push(...parsed.items);
          } catch (e) {
            expect(e).toBeInstanceOf(BrokerError);
            expect((e as BrokerError).message).not.toMatch(/[\u0000-\u001f\u007f]/);
          }
        }
        const data = { ...c.data(), rows };
        const r = generate(c.inventory, data, { ...defaults, scope: { kind: "all" } });
        const skipped = Object.values(r.result.skipped).reduce((a, b) => a + (b ?? 0), 0);
        expect(skipped).toBeLessThanOrEqual(rows.length);
        for (const o of r.objects) {
          expect(() => new NetworkPolicy(o.object as never).validate()).not.toThrow();
          const text = toYaml(o);
          for (const doc of parseAllDocuments(text)) expect(doc.errors).toEqual([]);
          // Nothing wider than one address, no empty selector, no port outside 1..65535.
          expect(text).not.toMatch(/cidr: .*\/(?!32\b|128\b)\d+/);
          expect(text).not.toMatch(/matchLabels: \{\}/);
          for (const m of text.matchAll(/port: (\d+)/g)) expect(Number(m[1])).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
    expect(answers).toBeGreaterThanOrEqual(10_000);
  });

  it("future timestamps and duplicate rows are evidence like any other, counted once per row", () => {
    const { c } = world();
    const web = c.inventory.pods.find((p) => p.name.startsWith("web"))!;
    c.row(web, "EGRESS", "1.1.1.1", 443, { at: Date.parse("2999-01-01T00:00:00Z") });
    const dup = { ...c.wire.traffic.at(-1)! };
    c.wire.traffic.push(dup);
    const r = gen(c);
    expect(r.yaml()).toContain("1.1.1.1/32");
    expect(naive(T0)).toMatch(/^2026/);
  });
});

describe("fuzzed hostnames files", () => {
  it("any text: a HostnamesError or only valid, normalised entries; what they name renders as valid Cilium YAML", async () => {
    const name = fc.oneof(
      fc.domain(),
      fc.string(),
      fc.constantFrom("evil.example.com\nkind: Secret", "a..b", "-x.example.com", `${"a".repeat(64)}.com`, "*.example.com", ""),
    );
    const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string(), fc.constantFrom("0.0.0.0", "::", "10.1", "300.1.1.1"));
    const line = fc.oneof(
      fc
        .record({ flow: fc.record({ l7: fc.record({ dns: fc.record({ query: name, ips: fc.array(ip, { maxLength: 3 }) }) }) }) })
        .map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
    );
    const text = fc.oneof(
      fc.array(line, { maxLength: 6 }).map((l) => l.join("\n")),
      fc.array(fc.record({ ip, names: fc.array(name, { maxLength: 3 }) }), { maxLength: 4 }).map((l) => JSON.stringify(l)),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        let parsed: ParsedHostnames;
        try {
          parsed = await readHostnameLines(t.split("\n"), "f");
        } catch (e) {
          expect(e).toBeInstanceOf(HostnamesError);
          return;
        }
        for (const h of parsed.items) {
          expect(h.names.length).toBeGreaterThan(0);
          for (const n of h.names) expect(n).toMatch(/^[a-z0-9_][a-z0-9_.-]*$/);
        }
        // Traffic to every named address, rendered: valid Cilium objects, parseable YAML, names only as matchName.
        const w = new Cluster();
        const [from] = w.deployment("shop", "web", { app: "web" });
        for (const h of parsed.items) w.row(from!, "EGRESS", h.ip, 443);
        w.hostnames.push(...parsed.items);
        const r = generate(w.inventory, w.data(), { ...defaults, type: "cilium", scope: { kind: "all" } });
        for (const o of r.objects) {
          expect(() => new CiliumNetworkPolicy(o.object as never).validate()).not.toThrow();
          for (const doc of parseAllDocuments(toYaml(o))) expect(doc.errors).toEqual([]);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("names from the cluster", () => {
  const hostile = ["../../etc/passwd", "a/b\\c", "ünïcödé-ñame", "x".repeat(300), "name: injected\nkind: Secret", ".hidden", "CON"];

  it("never escape the output directory, never break a file name, never inject YAML; labels stay within 63 characters", async () => {
    const c = new Cluster();
    for (const [i, name] of hostile.entries()) {
      const pod = c.pod("shop", name, { labels: { app: `a${i}` }, owner: { kind: "Deployment", name } });
      c.row(pod, "EGRESS", `198.51.100.${i + 1}`, 443);
    }
    const r = gen(c);
    expect(r.objects).toHaveLength(hostile.length);
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-names-"));
    const report = await writeFiles(
      dir,
      r.objects.map((o) => ({ name: o.fileName, content: toYaml(o) })),
      false,
    );
    expect(report.refused).toEqual([]);
    const files = await readdir(dir);
    expect(files).toHaveLength(hostile.length);
    for (const f of files) {
      expect(f).toMatch(/^[a-z0-9][a-z0-9.-]*-networkpolicy\.yaml$/);
      expect(f.length).toBeLessThanOrEqual(255);
    }
    for (const o of r.objects) {
      const docs = parseAllDocuments(toYaml(o)).map((d) => d.toJS());
      expect(docs).toHaveLength(1);
      expect(docs[0].kind).toBe("NetworkPolicy");
      for (const v of Object.values(docs[0].metadata.labels as Record<string, string>)) expect(v.length).toBeLessThanOrEqual(63);
      expect(docs[0].metadata.name.length).toBeLessThanOrEqual(253);
    }
  });
});

describe("secrets", () => {
  it("a snapshot keeps no pod spec (env, volumes) and no Service annotations", () => {
    const out = sanitiseWire({
      pods: [
        {
          pod_name: "web",
          pod_obj: {
            metadata: { name: "web", namespace: "shop", labels: { app: "web" }, annotations: { "vault.io/token": "s.SECRET" } },
            spec: { hostNetwork: false, containers: [{ env: [{ name: "DB_PASSWORD", value: "hunter2" }] }] },
          },
        },
      ],
      services: [
        {
          svc_ip: "10.96.0.5",
          service_spec: {
            metadata: { annotations: { secret: "x" } },
            spec: { selector: { app: "web" }, ports: [], clusterIP: "10.96.0.5" },
          },
        },
      ],
      traffic: [],
    });
    const text = JSON.stringify(out);
    for (const s of ["hunter2", "DB_PASSWORD", "s.SECRET", "annotations"]) expect(text).not.toContain(s);
    expect(text).toContain('"hostNetwork":false');
  });
});
