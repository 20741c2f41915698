// Cilium output against the real API server: the CRDs are installed here (with Cilium's real schema when
// its files are present, see scripts/cluster/cilium-crds.ts), after checking what a cluster without them says.
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { installCiliumCrds } from "../../scripts/cluster/cilium-crds.ts";
import { startCluster } from "../../scripts/cluster/test-cluster.ts";
import { workloadKey } from "../../src/model/keys.ts";
import type { WidenChoice } from "../../src/model/types.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { ladders } from "../../src/policy/widen.ts";
import { choiceOf } from "../../src/policy/widen-apply.ts";
import { recordDecisions, serializeDecisions } from "../../src/review/decisions.ts";
import type { ReviewRule } from "../../src/review/state.ts";
import { parseSnapshot } from "../../src/sources/snapshot/snapshot.ts";
import { Cluster, svcPort, tcp } from "../support/builders.ts";
import { defaults } from "../support/generate.ts";
import { runCli } from "../support/io.ts";
import { kubeConfig, Seeder, uniqueNs } from "./seed.ts";

let seed: Seeder;
let kubeconfig: string;
let custom: CustomObjectsApi;

beforeAll(() => {
  kubeconfig = inject("kubeconfig");
  seed = new Seeder(kubeConfig(kubeconfig));
  custom = seed.kc.makeApiClient(CustomObjectsApi);
});

/**
 * Two new namespaces in the cluster, and a snapshot of web → api → db in `ns`, a reporter in `other`,
 * DNS, the API server, a node probe and a named external.
 */
async function scenario(
  prefix: string,
  on: { seed: Seeder; kubeconfig: string } = { seed, kubeconfig },
): Promise<{ file: string; dir: string; ns: string; other: string; kubeconfig: string }> {
  const ns = uniqueNs(prefix);
  const other = uniqueNs(`${prefix}-other`);
  await on.seed.namespace(ns);
  await on.seed.namespace(other);
  const c = new Cluster().node("worker-1", "10.0.0.11").apiServer("10.96.0.1", "172.18.0.2", 6443);
  c.dns();
  const [web] = c.deployment(ns, "web", { app: "web" });
  const [api] = c.deployment(ns, "api", { app: "api" }, { ports: [tcp(9000, "http")] });
  const [db] = c.statefulSet(ns, "db", { app: "db" }, { ports: [tcp(5432)] });
  const [reporter] = c.deployment(other, "reporter", { app: "reporter" });
  c.service(ns, "api", "10.96.200.1", { app: "api" }, [svcPort(8080, "http")]);
  c.connect(web!, api!, 9000, { dial: { ip: "10.96.200.1", port: 8080 } })
    .connect(api!, db!, 5432)
    .connect(reporter!, db!, 5432);
  c.row(api!, "EGRESS", "10.96.0.10", 53, { proto: "UDP" }).row(api!, "EGRESS", "10.96.0.1", 443);
  c.row(api!, "EGRESS", "93.184.216.34", 443).row(api!, "EGRESS", "2606:4700::1111", 443).row(web!, "INGRESS", "10.0.0.11", 8080);
  c.row(web!, "INGRESS", "10.0.0.11", 8443);
  c.named("93.184.216.34", "payments.example.com");
  const dir = await mkdtemp(path.join(tmpdir(), "guardian-cilium-"));
  const file = path.join(dir, "snap.json");
  await writeFile(file, JSON.stringify(c.snapshot()));
  return { file, dir, ns, other, kubeconfig: on.kubeconfig };
}

/** Policies of a type for the workloads of `ns` (its db's client in the other namespace is a peer only). */
const genType = (type: string, s: { file: string; dir: string; ns: string; kubeconfig: string }, out: string, ...extra: string[]) =>
  runCli(
    [
      "gen",
      "netpol",
      "--all",
      "-n",
      s.ns,
      "--type",
      type,
      "--from-snapshot",
      s.file,
      "--kubeconfig",
      s.kubeconfig,
      "--output-dir",
      path.join(s.dir, out),
      ...extra,
    ],
    { env: { HOME: tmpdir() } },
  );
const genCilium = (s: { file: string; dir: string; ns: string; kubeconfig: string }, out: string, ...extra: string[]) =>
  genType("cilium", s, out, ...extra);

/** The generated objects in an output folder, by kind/namespace/name. */
async function generated(dir: string): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const f of (await readdir(dir)).filter((x) => x.endsWith(".yaml") && !x.startsWith("rollback-"))) {
    const o = parse(await readFile(path.join(dir, f), "utf8"));
    out.set(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o);
  }
  return out;
}

/** Runs the rollback command an --apply printed. */
const undo = (stderr: string) =>
  runCli(["rollback", /To undo: kubectl guardian rollback (\S+)/.exec(stderr)?.[1] as string, "--kubeconfig", kubeconfig], {
    env: { HOME: tmpdir() },
  });

const GROUP = "cilium.io";
const cnps = async (ns: string) =>
  (
    (await custom.listNamespacedCustomObject({ group: GROUP, version: "v2", namespace: ns, plural: "ciliumnetworkpolicies" })) as {
      items: Record<string, unknown>[];
    }
  ).items;
const ccnps = async () =>
  (
    (await custom.listClusterCustomObject({ group: GROUP, version: "v2", plural: "ciliumclusterwidenetworkpolicies" })) as {
      items: Record<string, unknown>[];
    }
  ).items;

// Named in the test titles, so that a run's report says which validation the server did.
const SCHEMA = inject("ciliumSchemas") ? "Cilium's real schema" : "an open schema: Cilium's schema files are absent";

describe("Cilium output on a real API server", () => {
  it("on a cluster without Cilium, --apply stops with one line naming the missing CRD and applies nothing", async () => {
    // A cluster of its own: the shared one gets the CRDs from whichever file installs them first.
    const bare = await startCluster();
    try {
      const s = await scenario("nocilium", { seed: new Seeder(kubeConfig(bare.kubeconfig)), kubeconfig: bare.kubeconfig });
      const r = await genCilium(s, "out", "--apply");
      expect(r.code).toBe(1);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
      expect(errors).toEqual([
        `error: nothing was applied: the API server at ${bare.server} does not serve CiliumNetworkPolicy (cilium.io/v2); is Cilium installed?`,
      ]);
      expect(r.stderr).toContain("Check with 'kubectl get crd ciliumnetworkpolicies.cilium.io'");
      expect((await readdir(path.join(s.dir, "out"))).filter((f) => f.startsWith("rollback-"))).toEqual([]);
    } finally {
      await bare.stop();
    }
  });

  it(`with the CRDs (${SCHEMA}): a server-side dry run, then apply; the server stores exactly what was generated`, async () => {
    await installCiliumCrds(seed.kc, inject("ciliumSchemas"));
    const s = await scenario("cilium");
    const { ns, other } = s;

    const dry = await genCilium(s, "dry", "--dry-run=server");
    expect(dry.stderr).not.toMatch(/^error/m);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/server-side dry run: all 3 object\(s\) accepted by https:\/\/127\.0\.0\.1:\d+; nothing was changed/);
    expect(await cnps(ns)).toEqual([]);

    const r = await genCilium(s, "out", "--apply");
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`ciliumnetworkpolicy.cilium.io/api-guardian created (namespace ${ns})`);
    // The builder's snapshots say they were recorded through context "test".
    expect(r.stderr).toContain('warning: the snapshot was recorded through context "test"; applying through "admin"');
    expect(dry.stderr).not.toContain("recorded through context");
    const want = await generated(path.join(s.dir, "out"));
    const stored = await cnps(ns);
    expect(stored).toHaveLength(3);
    expect(await cnps(other)).toEqual([]);
    for (const o of stored) {
      const meta = o.metadata as { name: string; namespace: string; labels: Record<string, string> };
      const gen = want.get(`CiliumNetworkPolicy/${meta.namespace}/${meta.name}`);
      expect(gen, meta.name).toBeDefined();
      expect(o.spec).toEqual(gen?.spec);
      expect(meta.labels["app.kubernetes.io/managed-by"]).toBe("kubectl-guardian");
    }
    const spec = (name: string) =>
      (stored.find((o) => (o.metadata as { name: string }).name === name) as { spec: Record<string, unknown[]> }).spec;
    expect(spec("api-guardian").egress).toContainEqual(expect.objectContaining({ toFQDNs: [{ matchName: "payments.example.com" }] }));
    // Its two clients share a port: one entry, the cross-namespace one with its namespace.
    expect(spec("db-guardian").ingress).toEqual([
      {
        fromEndpoints: [
          { matchLabels: { "k8s:app": "api" } },
          { matchLabels: { "k8s:app": "reporter", "k8s:io.kubernetes.pod.namespace": other } },
        ],
        toPorts: [{ ports: [{ port: "5432", protocol: "TCP" }] }],
      },
    ]);

    const again = await genCilium(s, "out", "--apply");
    expect(again.code).toBe(0);
    expect(again.stderr.match(/ unchanged \(namespace/g)).toHaveLength(3);

    expect((await undo(r.stderr)).code).toBe(0);
    expect(await cnps(ns)).toEqual([]);
  });

  it(`a policy that breaks Cilium's schema: ${inject("ciliumSchemas") ? "refused" : "accepted"} by the server's dry run (${SCHEMA})`, async () => {
    await installCiliumCrds(seed.kc, inject("ciliumSchemas"));
    const s = await scenario("cnpbad");
    const dry = await genCilium(s, "out", "--dry-run=server");
    expect(dry.code).toBe(0);
    const file = (await readdir(path.join(s.dir, "out"))).find((f) => f.endsWith("-api-ciliumnetworkpolicy.yaml")) as string;
    const obj = parse(await readFile(path.join(s.dir, "out", file), "utf8"));
    obj.spec.egress[0].toPorts[0].ports[0].protocol = "TCPX";
    const code = await custom
      .createNamespacedCustomObject({
        group: GROUP,
        version: "v2",
        namespace: s.ns,
        plural: "ciliumnetworkpolicies",
        body: obj,
        dryRun: "All",
      })
      .then(() => 0)
      .catch((e: { code?: number }) => e.code);
    // Only Cilium's real schema knows the protocols; the open one takes any spec.
    expect(code).toBe(inject("ciliumSchemas") ? 422 : 0);
    expect(await cnps(s.ns)).toEqual([]);
  });

  it(`--clusterwide (${SCHEMA}) applies one CiliumClusterwideNetworkPolicy per workload, stored as generated`, async () => {
    await installCiliumCrds(seed.kc, inject("ciliumSchemas"));
    const s = await scenario("ccnp");
    const { ns } = s;
    const r = await genCilium(s, "out", "--clusterwide", "--apply");
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const want = await generated(path.join(s.dir, "out"));
    const mine = (await ccnps()).filter((o) => (o.metadata as { name: string }).name.startsWith(ns));
    expect(mine.map((o) => (o.metadata as { name: string }).name).sort()).toEqual([
      `${ns}-api-guardian`,
      `${ns}-db-guardian`,
      `${ns}-web-guardian`,
    ]);
    for (const o of mine)
      expect(o.spec).toEqual(want.get(`CiliumClusterwideNetworkPolicy//${(o.metadata as { name: string }).name}`)?.spec);

    // Cluster-scoped objects would reach every later test: the rollback takes them away again.
    expect((await undo(r.stderr)).code).toBe(0);
    expect(await ccnps()).toEqual([]);
  });

  it(`widened rules of every kind pass the server-side dry run as NetworkPolicy and CiliumNetworkPolicy (${SCHEMA})`, async () => {
    await installCiliumCrds(seed.kc, inject("ciliumSchemas"));
    const s = await scenario("widened");
    const snap = parseSnapshot(JSON.parse(await readFile(s.file, "utf8")), "snap");
    const g = generate(snap.inventory, snap.data, { ...defaults, allowDns: true, scope: { kind: "namespace", namespace: s.ns } });
    const lad = ladders(g.result.policies, g.index);
    const reviewed: ReviewRule[] = [];
    const decide = async (ranges: boolean) => {
      const choices = new Map<string, WidenChoice | null>();
      reviewed.length = 0;
      for (const p of g.result.policies)
        for (const r of [...p.ingress, ...p.egress]) {
          const l = lad.get(r.id);
          if (!l || (l.peer.length === 0 && !l.ports)) continue;
          // The widest step of each rule, and its port range where it has one: every kind of widened peer.
          const c = choiceOf(
            { id: r.id, target: workloadKey(p.workload), direction: r.direction },
            l,
            l.peer.length,
            ranges && l.ports !== null,
          );
          if (!c) continue;
          choices.set(r.id, c);
          reviewed.push({
            id: r.id,
            workloadKey: workloadKey(p.workload),
            workload: "w",
            direction: r.direction,
            peer: "p",
            ports: "x",
            peerDetail: [],
            evidence: [],
            warnings: [],
            yaml: [],
            flows: 1,
            ladder: [],
            portStep: null,
            suggestion: null,
          });
        }
      const file = path.join(s.dir, `decisions-${ranges}.yaml`);
      const accepted = Object.fromEntries(reviewed.map((r) => [r.id, "accepted" as const]));
      await writeFile(
        file,
        serializeDecisions(recordDecisions({ decisions: {}, skipped: [] }, reviewed, accepted, [], "t", "now", choices)),
      );
      return { file, steps: [...choices.values()].map((c) => c?.step) };
    };
    const dryRun = (type: string, decisions: string, out: string) =>
      genType(type, s, out, "--decisions", decisions, "--dry-run=server", "--undecided", "accept");
    const written = async (out: string) =>
      (
        await Promise.all(
          (
            await readdir(path.join(s.dir, out))
          )
            .filter((f) => f.endsWith("policy.yaml"))
            .map((f) => readFile(path.join(s.dir, out, f), "utf8")),
        )
      ).join("\n");
    const peers = await decide(false);
    expect(peers.steps).toEqual(expect.arrayContaining(["any-namespace", "internet"]));
    const ranges = await decide(true);
    expect(ranges.steps).toEqual(expect.arrayContaining(["port-range"]));
    for (const [type, d] of [
      ["kubernetes", peers],
      ["cilium", peers],
      ["cilium", ranges],
    ] as const) {
      const r = await dryRun(type, d.file, `${type}-${d === ranges}`);
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/server-side dry run: all \d+ object\(s\) accepted/);
      expect(await written(`${type}-${d === ranges}`)).toContain("WIDENED by review");
    }
    expect(await written("cilium-true")).toContain("endPort: 8443");
    // NetworkPolicy's endPort is Kubernetes 1.25+ (GA); this test server is older, and its dry run says so before anything is applied.
    const old = await dryRun("kubernetes", ranges.file, "kubernetes-true");
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/error: nothing was applied: the API server rejected 1 object\(s\) in the server-side dry run/);
    expect(old.stderr).toContain("endPort");
  });
});
