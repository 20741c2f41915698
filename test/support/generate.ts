import { toYaml } from "../../src/output/yaml.ts";
import { type GenerateOptions, generate } from "../../src/pipeline/generate.ts";
import type { Cluster } from "./builders.ts";

export const defaults: Omit<GenerateOptions, "scope"> = {
  type: "kubernetes",
  allowDns: false,
  minFlows: 1,
  policyTypes: ["Ingress", "Egress"],
  defaultDeny: false,
  includeDropped: false,
  generator: "kubectl-guardian/test",
};

export function gen(c: Cluster, opts: Partial<GenerateOptions> = {}) {
  const r = generate(c.inventory, c.data(), { ...defaults, scope: { kind: "all" }, ...opts });
  const byName = (name: string) => {
    const o = r.objects.find((x) => (x.object.metadata as { name: string }).name === name);
    if (!o) throw new Error(`no policy ${name}; have ${r.objects.map((x) => (x.object.metadata as { name: string }).name).join(", ")}`);
    return o.object as unknown as { metadata: Record<string, unknown>; spec: Spec };
  };
  return { ...r, byName, yaml: () => r.objects.map(toYaml).join("---\n") };
}

export interface NpPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
export interface NpPort {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}
export interface Spec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress?: { from?: NpPeer[]; ports?: NpPort[] }[];
  egress?: { to?: NpPeer[]; ports?: NpPort[] }[];
}
