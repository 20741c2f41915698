// Truth tables for the test evaluator itself, including the classic pitfalls.
import { describe, expect, it } from "vitest";
import { allowed, type NetworkPolicyObject } from "../support/np-eval.ts";

const ns = (n: string) => ({ "kubernetes.io/metadata.name": n, ...(n === "prod" ? { env: "prod" } : {}) });
const web = { pod: { namespace: "shop", labels: { app: "web" } }, ip: "10.0.0.1" };
const db = { pod: { namespace: "shop", labels: { app: "db" } }, ip: "10.0.0.2" };
const prodDb = { pod: { namespace: "prod", labels: { app: "db" } }, ip: "10.0.1.2" };
const prodWeb = { pod: { namespace: "prod", labels: { app: "web" } }, ip: "10.0.1.1" };
const ext = { ip: "93.184.216.34" };

const egressFromWeb = (to: NonNullable<NetworkPolicyObject["spec"]["egress"]>): NetworkPolicyObject => ({
  metadata: { namespace: "shop" },
  spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: to },
});

describe("NetworkPolicy evaluator", () => {
  it("unselected pods are not isolated", () => {
    expect(allowed([], ns, web, db, 5432, "TCP")).toBe(true);
  });

  it("a selecting policy with no rules denies that direction only", () => {
    const deny: NetworkPolicyObject = { metadata: { namespace: "shop" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
    expect(allowed([deny], ns, web, db, 5432, "TCP")).toBe(false);
    expect(allowed([deny], ns, web, ext, 443, "TCP")).toBe(true);
  });

  it("podSelector and namespaceSelector in one peer is AND; in two peers it is OR", () => {
    const and = egressFromWeb([
      { to: [{ namespaceSelector: { matchLabels: { env: "prod" } }, podSelector: { matchLabels: { app: "db" } } }] },
    ]);
    const or = egressFromWeb([
      { to: [{ namespaceSelector: { matchLabels: { env: "prod" } } }, { podSelector: { matchLabels: { app: "db" } } }] },
    ]);
    expect(allowed([and], ns, web, prodDb, 5432, "TCP")).toBe(true);
    expect(allowed([and], ns, web, prodWeb, 5432, "TCP")).toBe(false);
    expect(allowed([and], ns, web, db, 5432, "TCP")).toBe(false);
    expect(allowed([or], ns, web, prodWeb, 5432, "TCP")).toBe(true);
    expect(allowed([or], ns, web, db, 5432, "TCP")).toBe(true);
  });

  it("a podSelector alone means the policy's namespace", () => {
    const p = egressFromWeb([{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }]);
    expect(allowed([p], ns, web, db, 1, "TCP")).toBe(true);
    expect(allowed([p], ns, web, prodDb, 1, "TCP")).toBe(false);
  });

  it("ipBlock with except, ports with protocol, endPort and named ports", () => {
    const p = egressFromWeb([
      { to: [{ ipBlock: { cidr: "93.184.0.0/16", except: ["93.184.216.0/24"] } }], ports: [{ port: 443 }] },
      { to: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 5000, endPort: 5010, protocol: "UDP" }] },
    ]);
    expect(allowed([p], ns, web, ext, 443, "TCP")).toBe(false);
    expect(allowed([p], ns, web, { ip: "93.184.1.1" }, 443, "TCP")).toBe(true);
    expect(allowed([p], ns, web, { ip: "93.184.1.1" }, 443, "UDP")).toBe(false);
    expect(allowed([p], ns, web, db, 5005, "UDP")).toBe(true);
    expect(allowed([p], ns, web, db, 5005, "TCP")).toBe(false);
    const named = egressFromWeb([{ to: [{ podSelector: {} }], ports: [{ port: "pg" }] }]);
    const pg = { pod: { namespace: "shop", labels: { app: "db" }, ports: [{ name: "pg", port: 5432, protocol: "TCP" }] }, ip: "10.0.0.9" };
    expect(allowed([named], ns, web, pg, 5432, "TCP")).toBe(true);
    expect(allowed([named], ns, web, pg, 5433, "TCP")).toBe(false);
  });

  it("policyTypes defaults to Ingress, plus Egress when egress rules exist", () => {
    const p: NetworkPolicyObject = { metadata: { namespace: "shop" }, spec: { podSelector: { matchLabels: { app: "web" } } } };
    expect(allowed([p], ns, web, ext, 443, "TCP")).toBe(true);
    expect(allowed([p], ns, db, web, 80, "TCP")).toBe(false);
  });

  it("both ends must allow", () => {
    const out = egressFromWeb([{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }]);
    const inDb: NetworkPolicyObject = {
      metadata: { namespace: "shop" },
      spec: { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"], ingress: [] },
    };
    expect(allowed([out, inDb], ns, web, db, 5432, "TCP")).toBe(false);
  });
});
