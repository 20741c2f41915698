// Cilium path rules from Hubble's L7 records: exact where the traffic is, identifiers generalised one
// segment at a time, every observed request admitted, unobserved methods and other paths refused.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import type { HttpSeen } from "../../src/model/types.ts";
import { ruleLines, toYaml } from "../../src/output/yaml.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { verify } from "../../src/pipeline/verify.ts";
import { httpRules, SIBLINGS } from "../../src/policy/http.ts";
import { DECISIONS_API, DECISIONS_KIND } from "../../src/review/decisions.ts";
import { reviewRules } from "../../src/review/items.ts";
import { offlineInventory } from "../../src/sources/hubble/flows.ts";
import type { AnyPolicy } from "../../src/verify/merge.ts";
import { defaults } from "../support/generate.ts";
import { l7World } from "../support/hubble.ts";
import { runCli } from "../support/io.ts";

const seen = (...reqs: string[]): HttpSeen => new Map(reqs.map((r) => [r, 1]));
const rulesOf = (s: HttpSeen) => {
  const r = httpRules("r-1", 8080, s);
  if (!("rules" in r)) throw new Error(r.unexpressed.reason);
  return r.rules;
};
// Envoy matches the regex against the whole :path (RE2 full match; these patterns mean the same in JS).
const admits = (rules: ReturnType<typeof rulesOf>, method: string, path: string) =>
  rules.some((r) => r.method === method && new RegExp(r.path).test(path));

describe("path rules", () => {
  it("keeps literal paths exact, escapes metacharacters, generalises identifier segments only", () => {
    const rules = rulesOf(
      seen(
        "GET /product/123",
        "GET /product/456?ref=home",
        "GET /a.b/c+d",
        "POST /orders",
        "GET /u/550e8400-e29b-41d4-a716-446655440000/x",
      ),
    );
    expect(rules.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET ^/a\\.b/c\\+d$",
      "GET ^/product/[0-9]+(\\?.*)?$",
      "GET ^/u/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/x$",
      "POST ^/orders$",
    ]);
    expect(rules.find((r) => r.path.startsWith("^/product"))?.observed).toEqual(["/product/123", "/product/456?ref=home"]);
    // Escaped brackets are literal text, not a generalised segment.
    expect(rulesOf(seen("GET /a/[x]"))).toEqual([expect.not.objectContaining({ generalised: expect.anything() })]);
    expect(admits(rules, "GET", "/product/789")).toBe(true);
    expect(admits(rules, "GET", "/product/abc")).toBe(false);
    expect(admits(rules, "GET", "/aXb/c+d")).toBe(false);
    expect(admits(rules, "DELETE", "/orders")).toBe(false);
    expect(admits(rules, "POST", "/orders?x=1")).toBe(false);
  });

  it("never generalises the first segment, keeps gRPC methods exact, collapses siblings only past the threshold", () => {
    const many = Array.from({ length: SIBLINGS + 1 }, (_, i) => `GET /users/name${i}`);
    expect(rulesOf(seen("GET /123", "GET /456")).map((r) => r.path)).toEqual(["^/123$", "^/456$"]);
    expect(rulesOf(seen(...many)).map((r) => r.path)).toEqual(["^/users/[^/?]+$"]);
    expect(rulesOf(seen(...many.slice(0, SIBLINGS))).length).toBe(SIBLINGS);
    const grpc = Array.from({ length: SIBLINGS + 5 }, (_, i) => `POST /shop.v1.Cart/Method${i}`);
    expect(rulesOf(seen(...grpc)).length).toBe(SIBLINGS + 5);
  });

  it("writes no path rules for a port with a request it cannot express exactly, and says why", () => {
    for (const bad of ["GET ", "get /x", "GET /a\u0000b", "GET /caf\u00e9", "G;ET /x"]) {
      const r = httpRules("r-1", 80, seen("GET /ok", bad));
      expect("unexpressed" in r, bad).toBe(true);
    }
  });

  it("property: every observed request is admitted; another method, or a changed literal segment, is not", () => {
    const seg = fc.oneof(fc.stringMatching(/^[a-z.+*()[\]{}|^$-]{1,6}$/), fc.nat().map(String), fc.uuid());
    const req = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT"),
      segs: fc.array(seg, { minLength: 1, maxLength: 4 }),
      q: fc.option(fc.stringMatching(/^[a-z=&]{1,6}$/)),
    });
    fc.assert(
      fc.property(fc.array(req, { minLength: 1, maxLength: 30 }), (reqs) => {
        const keys = reqs.map((r) => `${r.method} /${r.segs.join("/")}${r.q ? `?${r.q}` : ""}`);
        const rules = rulesOf(seen(...keys));
        for (const r of reqs) {
          const path = `/${r.segs.join("/")}${r.q ? `?${r.q}` : ""}`;
          expect(admits(rules, r.method, path), `${r.method} ${path}`).toBe(true);
          expect(admits(rules, "PATCH", path)).toBe(false);
          // A literal segment changed to something no identifier pattern matches.
          const i = r.segs.findIndex((s, k) => k === 0 || !/^[0-9]+$|^[0-9a-f-]{36}$/i.test(s));
          const changed = [...r.segs];
          changed[i] = `${changed[i]}~zz`;
          if (!reqs.some((o) => o.method === r.method && o.segs.length === changed.length && o.segs[i] === changed[i]))
            expect(admits(rules, r.method, `/${changed.join("/")}`)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("L7 records from Hubble in Cilium policies", () => {
  it("puts rules.http under the L4 rule's port, never beside an L4-only entry for it; a port without L7 stays L4", () => {
    const { h, data } = l7World();
    const g = generate(offlineInventory(h), data, { ...defaults, type: "cilium", scope: { kind: "all" } });
    const api = g.objects.find((o) => (o.object.metadata as { name: string }).name === "api-guardian")?.object as {
      spec: { ingress: unknown[] };
    };
    expect(api.spec.ingress).toEqual([
      {
        fromEndpoints: [{ matchLabels: { "k8s:app": "web" } }],
        toPorts: [
          {
            ports: [{ port: "8080", protocol: "TCP" }],
            rules: {
              http: [
                { method: "GET", path: "^/product/[0-9]+(\\?.*)?$" },
                { method: "POST", path: "^/cart$" },
              ],
            },
          },
        ],
      },
    ]);
    const db = g.objects.find((o) => (o.object.metadata as { name: string }).name === "db-guardian")?.object as unknown as {
      spec: { ingress: { toPorts: { rules?: unknown }[] }[] };
    };
    expect(db.spec.ingress[0]?.toPorts).toEqual([{ ports: [{ port: "5432", protocol: "TCP" }] }]);
    // One connection, however many requests it carried.
    const rule = g.result.policies.find((p) => p.workload.name === "api")?.ingress[0];
    expect(rule?.evidence.flows).toBe(1);
    expect(rule?.http?.rules.map((r) => r.observed)).toEqual([["/product/123", "/product/456?ref=home"], ["/cart"]]);
  });

  it("NetworkPolicy keeps the L4 rule and says its L7 detail cannot be expressed", () => {
    const { h, data } = l7World();
    const g = generate(offlineInventory(h), data, { ...defaults, scope: { kind: "all" } });
    const api = g.objects.find((o) => (o.object.metadata as { name: string }).name === "api-guardian");
    expect(api?.object.spec).toMatchObject({ ingress: [{ ports: [{ port: 8080, protocol: "TCP" }] }] });
    expect(api?.rules.map((r) => r.comment).join("\n")).toMatch(/a NetworkPolicy cannot express L7/);
  });

  it("verify judges each observed request by the path rules: all pass as generated; one without its rule is refused (403)", () => {
    const { h, data } = l7World();
    const inv = offlineInventory(h);
    const g = generate(inv, data, { ...defaults, type: "cilium", scope: { kind: "all" } });
    const policies = g.objects.map((o) => structuredClone(o.object)) as unknown as AnyPolicy[];
    expect(verify(inv, data, policies, {}).denied).toEqual([]);
    const api = policies.find((p) => p.metadata?.name === "api-guardian") as unknown as {
      spec: { ingress: { toPorts: { rules?: { http: { method: string; path: string }[] } }[] }[] };
    };
    const http = api.spec.ingress[0]?.toPorts[0]?.rules?.http;
    http?.splice(
      http.findIndex((r) => r.method === "POST"),
      1,
    );
    const denied = verify(inv, data, policies, {}).denied.map((d) => d.message);
    expect(denied).toEqual([
      expect.stringMatching(/^observed POST \/cart \(1×\) .*web.* → .*api.* on 8080\/TCP would be refused \(HTTP 403\) at ingress/),
    ]);
  });

  it("a NetworkPolicy never refuses a request: it has no L7", () => {
    const { h, data } = l7World();
    const inv = offlineInventory(h);
    const g = generate(inv, data, { ...defaults, scope: { kind: "all" } });
    expect(verify(inv, data, g.objects.map((o) => o.object) as unknown as AnyPolicy[], {}).denied).toEqual([]);
  });

  it("review lists each path rule under its L4 rule; a decisions file rejects one, or all of a port's (the port leaves the rule)", async () => {
    const { h, data } = l7World();
    const inv = offlineInventory(h);
    const g = generate(inv, data, { ...defaults, type: "cilium", scope: { kind: "all" } });
    const items = reviewRules(g.result.policies, g.objects, toYaml, ruleLines, g.index, g.result.warnings);
    const l4 = items.findIndex((i) => i.workload.includes("api") && i.direction === "ingress");
    expect(items.slice(l4 + 1, l4 + 3).map((i) => i.peer)).toEqual(["  └ GET ^/product/[0-9]+(\\?.*)?$", "  └ POST ^/cart$"]);
    const ids = items.slice(l4, l4 + 3).map((i) => i.id);
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-l7-"));
    const file = path.join(dir, "flows.json");
    await writeFile(file, l7World().lines.join("\n"));
    const decide = async (rejected: string[], exit = 0) => {
      const d = path.join(dir, `d-${rejected.length}.yaml`);
      const decisions = Object.fromEntries(
        items.map((i) => [
          i.id,
          { decision: rejected.includes(i.id) ? "reject" : "accept", workload: i.workloadKey, rule: i.peer, by: "t", at: "now" },
        ]),
      );
      await writeFile(d, stringify({ apiVersion: DECISIONS_API, kind: DECISIONS_KIND, decisions }));
      const r = await runCli(
        ["gen", "netpol", "--all", "-A", "-t", "cilium", "--from-hubble", file, "--decisions", d, "--output-dir", ""],
        {
          env: { HOME: dir },
        },
      );
      expect(r.code, r.stderr).toBe(exit);
      const api = parseAllDocuments(r.stdout)
        .map((x) => x.toJS())
        .find((x) => x.metadata.name === "api-guardian");
      return api.spec.ingress;
    };
    expect((await decide([ids[2] as string]))[0].toPorts[0].rules.http).toEqual([{ method: "GET", path: "^/product/[0-9]+(\\?.*)?$" }]);
    // Both path rules of 8080 rejected: no request on it is allowed, so the port (here the whole rule) goes.
    // Exit 4: observed traffic is now denied, by a person's choice, and gen says so.
    expect(await decide([ids[1] as string, ids[2] as string], 4)).toEqual([{}]);
  });
});
