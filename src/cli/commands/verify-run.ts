// The run step of `verify`: would the observed traffic still flow under the live policies plus the proposed ones?

import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeTarget } from "../../cluster/kubeconfig.ts";
import { writeReport } from "../../output/report.ts";
import { verify } from "../../pipeline/verify.ts";
import { type AnyPolicy, mergePolicies } from "../../verify/merge.ts";
import { CliError, EXIT } from "../errors.ts";
import { type Io, readStdin } from "../io.ts";
import { addHostnames, hostnamesSkipped, type Loaded, loadDemo, loadSnapshotFile, readHostnamesFlag } from "../load.ts";
import { loadCluster } from "../load-cluster.ts";
import { GENERATOR } from "../version.ts";
import type { VerifyOptions } from "./verify.ts";

const KINDS = new Set(["NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"]);

/** Policies from a file, every *.yaml / *.yml of a directory, or stdin ("-"). */
export async function readPolicies(where: string, io: Io): Promise<AnyPolicy[]> {
  let texts: { name: string; text: string }[];
  if (where === "-") texts = [{ name: "stdin", text: await readStdin(io) }];
  else {
    let isDir: boolean;
    try {
      isDir = (await stat(where)).isDirectory();
    } catch {
      throw new CliError(`cannot read --policies ${where}: no such file or directory`);
    }
    const files = isDir
      ? (await readdir(where))
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => path.join(where, f))
      : [where];
    texts = await Promise.all(files.map(async (f) => ({ name: f, text: await readFile(f, "utf8") })));
  }
  const out: AnyPolicy[] = [];
  for (const t of texts) {
    for (const doc of parseAllDocuments(t.text)) {
      if (doc.errors.length) throw new CliError(`${t.name} is not valid YAML: ${doc.errors[0]?.message.split("\n")[0]}`);
      const o = doc.toJS() as AnyPolicy | null;
      if (o && KINDS.has(o.kind ?? "")) out.push(o);
    }
  }
  return out;
}

/** Evidence and the live policies (for a cluster source), plus notes the run will print. */
async function loadWithLive(o: VerifyOptions, io: Io): Promise<{ src: Loaded; live: AnyPolicy[]; notes: string[] }> {
  const notes: string[] = [];
  const hostnames = await readHostnamesFlag(o.hostnames, io.stdin);
  if (o.source.kind === "demo") return { src: addHostnames(await loadDemo(), hostnames), live: [], notes };
  if (o.source.kind === "snapshot") return { src: addHostnames(await loadSnapshotFile(o.source.path, io), hostnames), live: [], notes };
  if (o.source.kind === "hubble") {
    // The flows are the evidence; the live policies are those of the cluster the inventory came from.
    const src = addHostnames(await (await import("../load-hubble.ts")).loadHubble(o.source, io), hostnames);
    return { src, live: src.kube ? await livePolicies(src.kube, notes) : [], notes };
  }
  const now = Date.now();
  const cluster = await loadCluster(
    o.source.flags,
    (ns) => (o.namespace === undefined ? { kind: "all" } : { kind: "namespace", namespace: ns }),
    io,
    now,
    { resolve: o.since !== undefined ? { since: now - o.since } : {}, ...(hostnames ? { hostnames } : {}) },
  );
  return { src: cluster, live: await livePolicies(cluster.kube, notes), notes };
}

/** The cluster's policies; kinds it could not list are noted. */
async function livePolicies(kube: KubeTarget, notes: string[]): Promise<AnyPolicy[]> {
  const { listLivePolicies } = await import("../../cluster/policies.ts");
  const l = await listLivePolicies(kube.kc);
  for (const m of l.missing) notes.push(`could not list live ${m}; verified without them`);
  return l.policies as AnyPolicy[];
}

function print(o: VerifyOptions, r: ReturnType<typeof verify>, io: Io): { lines: string[]; unknown: string[] } {
  const lines = r.denied.map((d) => d.message);
  const unknown = r.undetermined.map((d) => d.message);
  if (o.format === "json") {
    io.stdout.write(`${JSON.stringify({ checked: r.checked, policies: r.policies, denied: lines, undetermined: unknown }, null, 2)}\n`);
  } else {
    for (const l of lines) io.stdout.write(`DENY ${l.replace(/^observed /, "")}\n`);
    for (const l of unknown) io.stdout.write(`UNKNOWN ${l.replace(/^observed /, "")}\n`);
  }
  return { lines, unknown };
}

export async function execute(o: VerifyOptions, io: Io): Promise<number> {
  const proposed = o.policies ? await readPolicies(o.policies, io) : [];
  const { src, live, notes } = await loadWithLive(o, io);
  // Hubble flows with a reachable cluster are verified against its live policies too.
  const offline = o.source.kind !== "cluster" && !(o.source.kind === "hubble" && src.kube);
  try {
    if (src.snapshot.malformed.hostnames > 0) notes.push(hostnamesSkipped(src.snapshot.malformed.hostnames));
    if (offline) notes.push("offline source: the cluster's live policies are not included");
    const policies = mergePolicies(live, proposed);
    const namespace = o.allNamespaces ? undefined : (o.namespace ?? (offline ? undefined : src.defaultNamespace));
    const since = o.since !== undefined ? { since: src.snapshot.createdAt - o.since } : {};
    const r = verify(src.snapshot.inventory, src.snapshot.data, policies, namespace ? { namespace } : {}, since, src.folded);
    const { lines, unknown } = print(o, r, io);
    if (unknown.length)
      notes.push(
        `${unknown.length} flow(s) to addresses without a known DNS name meet toFQDNs rules; only Cilium's DNS proxy can tell (record names in a snapshot's hostnames to decide them)`,
      );
    for (const n of notes) io.stderr.write(`note: ${n}\n`);
    const verdict = r.denied.length
      ? `${r.denied.length} of ${r.checked} observed flow(s) would be denied`
      : r.undetermined.length
        ? `${r.checked - r.undetermined.length} of ${r.checked} observed flow(s) stay allowed, ${r.undetermined.length} undetermined`
        : `all ${r.checked} observed flow(s) stay allowed`;
    io.stderr.write(
      `${verdict} under ${r.policies} polic${r.policies === 1 ? "y" : "ies"} (${live.length} live, ${proposed.length} proposed)\n`,
    );
    if (o.report) {
      await writeReport(o.report, {
        command: "verify",
        generator: GENERATOR,
        summary: {
          "observed flows": r.checked,
          "would be denied": r.denied.length,
          "undetermined (toFQDNs)": r.undetermined.length,
          "live policies": live.length,
          "proposed policies": proposed.length,
        },
        policies: [],
        wouldBreak: lines,
        warnings: notes,
      });
    }
    return r.denied.length ? EXIT.wouldBreak : EXIT.ok;
  } finally {
    await src.close();
  }
}
