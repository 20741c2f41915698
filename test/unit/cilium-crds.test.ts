import { describe, expect, it } from "vitest";
import { crdFromSchema, requireCiliumSchemas, structural } from "../../scripts/cluster/cilium-crds.ts";

describe("wrapping a CRD JSON schema for the API server", () => {
  it("drops additionalProperties beside properties but keeps it on maps", () => {
    const s = structural({
      type: "object",
      additionalProperties: false,
      properties: {
        labels: { type: "object", additionalProperties: { type: "string" } },
        spec: { type: "object", properties: {}, additionalProperties: false },
      },
    });
    expect(s).toEqual({
      type: "object",
      properties: { labels: { type: "object", additionalProperties: { type: "string" } }, spec: { type: "object", properties: {} } },
    });
  });

  it("builds a v1 CRD with metadata as a bare object and a status subresource", () => {
    const crd = crdFromSchema(
      { type: "object", properties: { metadata: { type: "object", properties: { name: { type: "string" } } }, spec: { type: "object" } } },
      { kind: "CiliumNetworkPolicy", plural: "ciliumnetworkpolicies", singular: "ciliumnetworkpolicy", shortNames: ["cnp"] },
      "Namespaced",
    );
    expect(crd.metadata?.name).toBe("ciliumnetworkpolicies.cilium.io");
    expect(crd.spec.names.listKind).toBe("CiliumNetworkPolicyList");
    const v = crd.spec.versions[0];
    expect(v?.subresources).toEqual({ status: {} });
    expect(v?.schema?.openAPIV3Schema?.properties?.metadata).toEqual({ type: "object" });
  });
});

describe("Cilium's real schema in CI", () => {
  it("is required when CI is set, optional elsewhere", () => {
    expect(() => requireCiliumSchemas(null, { CI: "true" })).toThrow(/not found .* CI validates Cilium output against them/);
    expect(requireCiliumSchemas(null, {})).toBeNull();
    expect(requireCiliumSchemas("/some/dir", { CI: "true" })).toBe("/some/dir");
  });
});
