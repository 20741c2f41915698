// Kubeconfig like kubectl: --kubeconfig, else every file in $KUBECONFIG, else ~/.kube/config; --context;
// the namespace from the context. All auth (exec, token, certificates) is @kubernetes/client-node's.
import { existsSync } from "node:fs";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export class KubeconfigError extends Error {}

export interface KubeTarget {
  kc: KubeConfig;
  context: string;
  /** The context's namespace, or "default". */
  namespace: string;
  server: string;
}

export function loadKubeconfig(o: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env: Record<string, string | undefined>;
}): KubeTarget {
  const home = o.env.HOME ?? o.env.USERPROFILE ?? "";
  let files: string[];
  if (o.kubeconfig) {
    if (!existsSync(o.kubeconfig)) throw new KubeconfigError(`kubeconfig ${o.kubeconfig} does not exist; check --kubeconfig`);
    files = [o.kubeconfig];
  } else if (o.env.KUBECONFIG) {
    const listed = o.env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    files = listed.filter((f) => existsSync(f));
    if (files.length === 0)
      throw new KubeconfigError(`none of the KUBECONFIG files exist (${listed.join(", ")}); fix KUBECONFIG or pass --kubeconfig`);
  } else {
    const def = path.join(home, ".kube", "config");
    if (!existsSync(def)) throw new KubeconfigError(`no kubeconfig found at ${def}; set KUBECONFIG or pass --kubeconfig (or try --demo)`);
    files = [def];
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(files[0] as string);
    for (const f of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(f);
      kc.mergeConfig(more, true);
    }
  } catch (e) {
    throw new KubeconfigError(`cannot load kubeconfig ${files.join(path.delimiter)}: ${(e as Error).message.split("\n")[0]}`);
  }
  const context = o.context ?? kc.getCurrentContext();
  if (!context) throw new KubeconfigError(`kubeconfig ${files.join(path.delimiter)} has no current context; pass --context`);
  const ctx = kc.getContextObject(context);
  if (!ctx) {
    const known = kc.getContexts().map((c) => c.name);
    throw new KubeconfigError(
      `context "${context}" not found in kubeconfig (known: ${known.join(", ") || "none"}); pass one with --context`,
    );
  }
  kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeconfigError(`context "${context}" names cluster "${ctx.cluster}", which the kubeconfig does not define`);
  return { kc, context, namespace: ctx.namespace || "default", server: cluster.server };
}
