import { describe, expect, it } from "vitest";
import { endpointsFromEndpoints, endpointsFromSlices } from "../../src/cluster/inventory.ts";

describe("Service endpoints", () => {
  it("from EndpointSlices, joined per Service by kubernetes.io/service-name", () => {
    const m = endpointsFromSlices([
      {
        addressType: "IPv4",
        metadata: { name: "kubernetes", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes" } },
        endpoints: [{ addresses: ["172.18.0.2"] }],
        ports: [{ name: "https", port: 6443, protocol: "TCP" }],
      },
      {
        addressType: "IPv4",
        metadata: { name: "db-abc", namespace: "shop", labels: { "kubernetes.io/service-name": "db" } },
        endpoints: [{ addresses: ["10.0.0.9"] }, { addresses: ["10.0.0.8"] }],
        ports: [{ port: 5432 }],
      },
      {
        addressType: "IPv6",
        metadata: { name: "db-def", namespace: "shop", labels: { "kubernetes.io/service-name": "db" } },
        endpoints: [{ addresses: ["fd00::9"] }],
        ports: [{ port: 5432 }],
      },
      { addressType: "IPv4", metadata: { name: "orphan", namespace: "shop" }, endpoints: [{ addresses: ["10.9.9.9"] }] },
    ]);
    expect(m.get("default/kubernetes")).toEqual({ ips: ["172.18.0.2"], ports: [{ name: "https", port: 6443, protocol: "TCP" }] });
    expect(m.get("shop/db")).toEqual({ ips: ["10.0.0.8", "10.0.0.9", "fd00::9"], ports: [{ port: 5432, protocol: "TCP" }] });
    expect(m.size).toBe(2);
  });

  it("from Endpoints on servers without EndpointSlices", () => {
    const m = endpointsFromEndpoints([
      {
        metadata: { name: "kubernetes", namespace: "default" },
        subsets: [{ addresses: [{ ip: "172.18.0.2" }], ports: [{ name: "https", port: 6443 }] }],
      },
    ]);
    expect(m.get("default/kubernetes")).toEqual({ ips: ["172.18.0.2"], ports: [{ name: "https", port: 6443, protocol: "TCP" }] });
  });
});
