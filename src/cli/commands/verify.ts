// `verify`: would the observed traffic still flow under the live policies plus the proposed ones?
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { writeReport } from "../../output/report.ts";
import { verify } from "../../pipeline/verify.ts";
import { type AnyPolicy, mergePolicies } from "../../verify/merge.ts";
import { CliError, EXIT, UsageError } from "../errors.ts";
import { clusterFlags, hostnamesSkipped, type Loaded, loadCluster, loadDemo, loadSnapshotFile, withHostnames } from "../flags/source.ts";
import { type Io, readStdin, stdinFlags } from "../io.ts";
import { GENERATOR } from "../version.ts";
import { parseDuration } from "./gen.ts";

export interface VerifyFlags {
  policies?: string;
  namespace?: string;
  allNamespaces: boolean;
  demo: boolean;
  fromSnapshot?: string;
  hostnames?: string;
  kubeconfig?: string;
  context?: string;
  brokerUrl?: string;
  brokerToken?: string;
  brokerNamespace?: string;
  brokerService?: string;
  since?: string;
  report?: string;
  output: string;
  concurrency: number;
  requestTimeout: string;
  verbose: boolean;
}

const HELP = "kubectl guardian verify";
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

export async function runVerify(f: VerifyFlags, io: Io): Promise<number> {
  if (f.namespace && f.allNamespaces) throw new UsageError("-n and -A cannot be combined", HELP);
  stdinFlags(
    [
      ["--policies", f.policies],
      ["--from-snapshot", f.fromSnapshot],
      ["--hostnames", f.hostnames],
    ],
    HELP,
  );
  const timeout = parseDuration(f.requestTimeout);
  if (timeout === null) throw new UsageError(`invalid --request-timeout "${f.requestTimeout}"`, HELP);
  let since: number | undefined;
  if (f.since !== undefined) {
    const d = parseDuration(f.since);
    if (d === null) throw new UsageError(`invalid --since "${f.since}": use a duration such as 30m, 2h or 7d`, HELP);
    since = d;
  }
  const proposed = f.policies ? await readPolicies(f.policies, io) : [];
  const offline = f.demo || f.fromSnapshot !== undefined;
  let src: Loaded;
  let live: AnyPolicy[] = [];
  const notes: string[] = [];
  if (f.demo) src = await loadDemo();
  else if (f.fromSnapshot) src = await loadSnapshotFile(f.fromSnapshot, io);
  else {
    const cluster = await loadCluster(
      clusterFlags(f, io, timeout),
      (ns) => (f.allNamespaces || !f.namespace ? { kind: "all" } : { kind: "namespace", namespace: ns }),
      io,
      Date.now(),
    );
    src = cluster;
    const { listLivePolicies } = await import("../../cluster/policies.ts");
    const l = await listLivePolicies(cluster.kube.kc);
    live = l.policies as AnyPolicy[];
    for (const m of l.missing) notes.push(`could not list live ${m}; verified without them`);
  }
  try {
    await withHostnames(src, f.hostnames, io.stdin);
    if (src.snapshot.malformed.hostnames > 0) notes.push(hostnamesSkipped(src.snapshot.malformed.hostnames));
    if (offline) notes.push("offline source: the cluster's live policies are not included");
    const policies = mergePolicies(live, proposed);
    const namespace = f.allNamespaces ? undefined : (f.namespace ?? (offline ? undefined : src.defaultNamespace));
    const r = verify(
      src.snapshot.inventory,
      src.snapshot.data,
      policies,
      namespace ? { namespace } : {},
      since !== undefined ? { since: src.snapshot.createdAt - since } : {},
    );
    const lines = r.denied.map((d) => d.message);
    const unknown = r.undetermined.map((d) => d.message);
    if (f.output === "json") {
      io.stdout.write(`${JSON.stringify({ checked: r.checked, policies: r.policies, denied: lines, undetermined: unknown }, null, 2)}\n`);
    } else {
      for (const l of lines) io.stdout.write(`DENY ${l.replace(/^observed /, "")}\n`);
      for (const l of unknown) io.stdout.write(`UNKNOWN ${l.replace(/^observed /, "")}\n`);
    }
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
    if (f.report) {
      await writeReport(f.report, {
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
