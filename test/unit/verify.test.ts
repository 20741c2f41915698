import { describe, expect, it } from "vitest";
import { verify } from "../../src/pipeline/verify.ts";
import { type NetworkPolicyLike, PolicyEvaluator } from "../../src/verify/evaluate.ts";
import { Cluster } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

const ns = (n: string) => ({ "kubernetes.io/metadata.name": n, ...(n === "prod" ? { env: "prod" } : {}) });
const pod = (namespace: string, app: string, ip: string) => ({ ip, pod: { namespace, labels: { app } } });

describe("the policy evaluator (truth tables)", () => {
  const web = pod("shop", "web", "10.0.0.1");
  const db = pod("shop", "db", "10.0.0.2");
  const prodDb = pod("prod", "db", "10.0.1.2");
  const prodWeb = pod("prod", "web", "10.0.1.1");
  const egress = (to: unknown[]): NetworkPolicyLike => ({
    metadata: { namespace: "shop", name: "p" },
    spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: to as never, ports: [{ port: 5432 }] }] },
  });

  it.each([
    [
      "one entry: namespace AND pod",
      [{ namespaceSelector: { matchLabels: { env: "prod" } }, podSelector: { matchLabels: { app: "db" } } }],
      [true, false, false],
    ],
    [
      "two entries: namespace OR pod",
      [{ namespaceSelector: { matchLabels: { env: "prod" } } }, { podSelector: { matchLabels: { app: "db" } } }],
      [true, true, true],
    ],
    ["podSelector alone: the policy's namespace", [{ podSelector: { matchLabels: { app: "db" } } }], [false, false, true]],
    [
      "namespaceSelector {}: every namespace",
      [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "db" } } }],
      [true, false, true],
    ],
  ])("%s", (_, to, [toProdDb, toProdWeb, toDb]) => {
    const e = new PolicyEvaluator([egress(to as unknown[])], ns);
    expect(e.check(web, prodDb, 5432, "TCP").allowed).toBe(toProdDb);
    expect(e.check(web, prodWeb, 5432, "TCP").allowed).toBe(toProdWeb);
    expect(e.check(web, db, 5432, "TCP").allowed).toBe(toDb);
  });

  it("ipBlock except, protocol, endPort, named port, unselected pods and the denying policy's name", () => {
    const p: NetworkPolicyLike = {
      metadata: { namespace: "shop", name: "web-out" },
      spec: {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Egress"],
        egress: [
          { to: [{ ipBlock: { cidr: "93.184.0.0/16", except: ["93.184.216.0/24"] } }], ports: [{ port: 443 }] },
          { to: [{ podSelector: {} }], ports: [{ port: 5000, endPort: 5010, protocol: "UDP" }, { port: "pg" }] },
        ],
      },
    };
    const e = new PolicyEvaluator([p], ns);
    expect(e.check(web, { ip: "93.184.216.34" }, 443, "TCP")).toEqual({
      allowed: false,
      deniedBy: { side: "egress", policies: ["shop/web-out"] },
    });
    expect(e.check(web, { ip: "93.184.1.1" }, 443, "TCP").allowed).toBe(true);
    expect(e.check(web, db, 5007, "UDP").allowed).toBe(true);
    expect(e.check(web, db, 5007, "TCP").allowed).toBe(false);
    const pg = {
      ip: "10.0.0.9",
      pod: { namespace: "shop", labels: { app: "pg" }, ports: [{ name: "pg", port: 5432, protocol: "TCP" as const }] },
    };
    expect(e.check(web, pg, 5432, "TCP").allowed).toBe(true);
    expect(e.check(db, web, 1, "TCP").allowed).toBe(true); // nothing selects db
  });

  it("policyTypes defaults to Ingress (plus Egress when egress rules exist); both ends must allow", () => {
    const inOnly: NetworkPolicyLike = { metadata: { namespace: "shop", name: "i" }, spec: { podSelector: { matchLabels: { app: "db" } } } };
    const e = new PolicyEvaluator([inOnly], ns);
    expect(e.check(db, pod("x", "y", "1.1.1.1"), 443, "TCP").allowed).toBe(true);
    expect(e.check(web, db, 5432, "TCP")).toEqual({ allowed: false, deniedBy: { side: "ingress", policies: ["shop/i"] } });
  });
});

describe("gen checks what it generated against the observed flows", () => {
  it("reports an observed flow that --min-flows dropped", () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [db] = c.statefulSet("shop", "db", { app: "db" });
    c.connect(web!, db!, 5432).row(web!, "EGRESS", "1.1.1.1", 443).row(web!, "EGRESS", "1.1.1.1", 443);
    expect(gen(c).wouldBreak).toEqual([]);
    const thin = gen(c, { minFlows: 2 });
    expect(thin.wouldBreak.map((w) => w.message)).toEqual([
      "observed deployment shop/web → statefulset shop/db on 5432/TCP (1 connection) would be denied at egress by shop/web-guardian",
    ]);
  });
});

describe("the policy evaluator on Cilium policies (truth tables)", () => {
  const web = { ip: "10.0.0.1", pod: { namespace: "shop", labels: { app: "web" } } };
  const db = { ip: "10.0.0.2", pod: { namespace: "shop", labels: { app: "db" } } };
  const otherDb = { ip: "10.0.1.2", pod: { namespace: "data", labels: { app: "db" } } };
  const cnp = (egress: unknown[], extra: Record<string, unknown> = {}) =>
    ({
      kind: "CiliumNetworkPolicy",
      metadata: { namespace: "shop", name: "c" },
      spec: { endpointSelector: { matchLabels: { "k8s:app": "web" } }, egress, ...extra },
    }) as never;

  it("a namespaced policy's endpoint selector sees only its namespace unless it names one", () => {
    const e = new PolicyEvaluator([cnp([{ toEndpoints: [{ matchLabels: { "k8s:app": "db" } }] }])], ns);
    expect(e.check(web, db, 5432, "TCP").allowed).toBe(true);
    expect(e.check(web, otherDb, 5432, "TCP").allowed).toBe(false);
    const named = new PolicyEvaluator(
      [cnp([{ toEndpoints: [{ matchLabels: { "k8s:app": "db", "k8s:io.kubernetes.pod.namespace": "data" } }] }])],
      ns,
    );
    expect(named.check(web, otherDb, 5432, "TCP").allowed).toBe(true);
  });

  it("entities, CIDR sets with except, L4-only rules and the deny-all rule {}", () => {
    const e = new PolicyEvaluator(
      [
        cnp([
          { toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "6443", protocol: "TCP" }] }] },
          { toCIDRSet: [{ cidr: "93.184.0.0/16", except: ["93.184.216.0/24"] }] },
        ]),
      ],
      ns,
    );
    expect(e.check(web, { ip: "172.18.0.2", entity: "kube-apiserver" }, 6443, "TCP").allowed).toBe(true);
    expect(e.check(web, { ip: "172.18.0.2", entity: "kube-apiserver" }, 443, "TCP").allowed).toBe(false);
    expect(e.check(web, { ip: "93.184.1.1", entity: "world" }, 1, "UDP").allowed).toBe(true);
    expect(e.check(web, { ip: "93.184.216.34", entity: "world" }, 1, "UDP").allowed).toBe(false);
    const l4only = new PolicyEvaluator([cnp([{ toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }] }])], ns);
    expect(l4only.check(web, otherDb, 53, "UDP").allowed).toBe(true);
    const denyAll = new PolicyEvaluator([cnp([{}])], ns);
    expect(denyAll.check(web, db, 1, "TCP")).toEqual({ allowed: false, deniedBy: { side: "egress", policies: ["shop/c"] } });
  });

  it("enableDefaultDeny false leaves a direction open; Kubernetes and Cilium policies combine", () => {
    const open = new PolicyEvaluator(
      [cnp([{ toEndpoints: [{ matchLabels: { "k8s:app": "db" } }] }], { enableDefaultDeny: { egress: false } })],
      ns,
    );
    expect(open.check(web, otherDb, 1, "TCP").allowed).toBe(true);
    const k8s: NetworkPolicyLike = {
      metadata: { namespace: "shop", name: "k" },
      spec: {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }],
      },
    };
    const both = new PolicyEvaluator([k8s, cnp([{ toEntities: ["world"] }])], ns);
    expect(both.check(web, db, 5432, "TCP").allowed).toBe(true);
    expect(both.check(web, { ip: "1.1.1.1", entity: "world" }, 443, "TCP").allowed).toBe(true);
    expect(both.check(web, otherDb, 5432, "TCP").deniedBy?.policies).toEqual(["shop/c", "shop/k"]);
  });
});

describe("verify matches ipBlocks against pods' real addresses", () => {
  const egressTo = (cidr: string): NetworkPolicyLike => ({
    metadata: { namespace: "shop", name: "web-by-cidr" },
    spec: {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr } }], ports: [{ port: 8080 }] }],
    },
  });
  function world() {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const [api] = c.deployment("shop", "api", { app: "api" });
    c.connect(web!, api!, 8080);
    return { c, api: api! };
  }

  it("a /32 of the pod's own address allows the observed flow", () => {
    const { c, api } = world();
    const r = verify(c.inventory, c.data(), [egressTo(`${api.ips[0]}/32`)], { namespace: "shop" });
    expect(r.denied).toEqual([]);
  });

  it.each(["240.0.0.0/4", "10.99.0.0/16", "203.0.113.7/32"])("an ipBlock %s that covers no pod allows no pod traffic", (cidr) => {
    const { c } = world();
    const r = verify(c.inventory, c.data(), [egressTo(cidr)], { namespace: "shop" });
    expect(r.denied.map((d) => d.verdict.deniedBy?.policies)).toEqual([["shop/web-by-cidr"]]);
  });
});
