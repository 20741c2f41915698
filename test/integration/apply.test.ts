import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { NetworkingV1Api, type V1NetworkPolicy } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { Cluster, svcPort, tcp } from "../support/builders.ts";
import { runCli, spawnCli } from "../support/io.ts";
import { kubeConfig, Seeder, uniqueNs } from "./seed.ts";

let seed: Seeder;
let net: NetworkingV1Api;
let kubeconfig: string;

beforeAll(() => {
  kubeconfig = inject("kubeconfig");
  seed = new Seeder(kubeConfig(kubeconfig));
  net = seed.kc.makeApiClient(NetworkingV1Api);
});

/** A snapshot of web → api → db in `ns` (and, optionally, a client in `other`), as a file. */
async function scenario(ns: string, other?: string): Promise<{ file: string; dir: string }> {
  const c = new Cluster();
  const [web] = c.deployment(ns, "web", { app: "web" });
  const [api] = c.deployment(ns, "api", { app: "api" }, { ports: [tcp(9000, "http")] });
  const [db] = c.statefulSet(ns, "db", { app: "db" }, { ports: [tcp(5432)] });
  c.service(ns, "api", "10.96.200.1", { app: "api" }, [svcPort(8080, "http")]);
  c.connect(web!, api!, 9000, { dial: { ip: "10.96.200.1", port: 8080 }, times: 2 }).connect(api!, db!, 5432);
  if (other) {
    const [job] = c.deployment(other, "reporter", { app: "reporter" });
    c.connect(job!, db!, 5432);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "guardian-apply-"));
  const file = path.join(dir, "snap.json");
  await writeFile(file, JSON.stringify(c.snapshot()));
  return { file, dir };
}

/** gen … --from-snapshot into the scenario's out/, against the API server behind `kc`. */
const applyVia = (kc: string, s: { file: string; dir: string }, scope: string[], ...extra: string[]) =>
  runCli(
    [
      "gen",
      "netpol",
      ...scope,
      "--from-snapshot",
      s.file,
      "--kubeconfig",
      kc,
      "--output-dir",
      path.join(s.dir, "out"),
      "--allow-dns=false",
      ...extra,
    ],
    {
      env: { HOME: tmpdir() },
    },
  );
const apply = (s: { file: string; dir: string }, scope: string[], ...extra: string[]) => applyVia(kubeconfig, s, scope, ...extra);

const live = async (ns: string) => (await net.listNamespacedNetworkPolicy({ namespace: ns })).items;
const names = async (ns: string) => (await live(ns)).map((p) => p.metadata?.name).sort();
const rollbackFile = (stderr: string) => /To undo: kubectl guardian rollback (\S+)/.exec(stderr)?.[1] as string;

describe("--apply", () => {
  it("applies after a server-side dry run; a re-run changes nothing; rollback removes what it created", async () => {
    const ns = uniqueNs("apply");
    await seed.namespace(ns);
    const s = await scenario(ns);
    const r = await apply(s, ["--all", "-n", ns], "--apply");
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`networkpolicy.networking.k8s.io/api-guardian created (namespace ${ns})`);
    expect(await names(ns)).toEqual(["api-guardian", "db-guardian", "web-guardian"]);
    const first = await live(ns);
    for (const p of first) {
      expect(p.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("kubectl-guardian");
      expect(p.metadata?.managedFields?.map((m) => m.manager)).toContain("kubectl-guardian");
    }

    const again = await apply(s, ["--all", "-n", ns], "--apply");
    expect(again.code).toBe(0);
    expect(again.stderr.match(/ unchanged \(namespace/g)).toHaveLength(3);
    const second = await live(ns);
    expect(second.map((p) => p.metadata?.resourceVersion).sort()).toEqual(first.map((p) => p.metadata?.resourceVersion).sort());

    const file = rollbackFile(r.stderr);
    expect(path.basename(file)).toMatch(/^rollback-\d{8}T\d{6}\.\d{3}Z\.yaml$/);
    const rb = await runCli(["rollback", file, "--kubeconfig", kubeconfig], { env: { HOME: tmpdir() } });
    expect(rb.code).toBe(0);
    expect(rb.stderr).toContain(`deleted NetworkPolicy ${ns}/web-guardian`);
    expect(await names(ns)).toEqual([]);
  });

  it("applies nothing when one object fails the dry run, and names it with the server's message", async () => {
    const ns = uniqueNs("apply");
    const missing = uniqueNs("absent");
    await seed.namespace(ns);
    const s = await scenario(ns, missing);
    const r = await apply(s, ["-A"], "--apply");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: nothing was applied: the API server rejected 1 object(s) in the server-side dry run:");
    expect(r.stderr).toContain(`NetworkPolicy ${missing}/reporter-guardian: 404: namespaces "${missing}" not found`);
    expect(await names(ns)).toEqual([]);
    expect((await readdir(path.join(s.dir, "out"))).filter((f) => f.startsWith("rollback-"))).toEqual([]);
  });

  it("--dry-run=server validates against the live API server and changes nothing", async () => {
    const ns = uniqueNs("apply");
    await seed.namespace(ns);
    const s = await scenario(ns);
    const r = await apply(s, ["--all", "-n", ns], "--dry-run=server");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/server-side dry run: all 3 object\(s\) accepted by https:\/\/127.0.0.1:\d+; nothing was changed/);
    expect(await names(ns)).toEqual([]);
    expect((await readdir(path.join(s.dir, "out"))).sort()).toContain(`${ns}-web-networkpolicy.yaml`);
  });

  it("never changes an object it does not manage without --force; rollback restores it exactly", async () => {
    const ns = uniqueNs("apply");
    await seed.namespace(ns);
    const foreign: V1NetworkPolicy = {
      metadata: { name: "web-guardian", namespace: ns, labels: { team: "platform" }, annotations: { owner: "alice" } },
      spec: {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Ingress"],
        ingress: [{ _from: [{ podSelector: { matchLabels: { app: "lb" } } }] }],
      },
    };
    await net.createNamespacedNetworkPolicy({ namespace: ns, body: foreign });
    const before = (await live(ns))[0] as V1NetworkPolicy;
    const s = await scenario(ns);

    const refused = await apply(s, ["--all", "-n", ns], "--apply");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `error: nothing was applied: 1 object(s) of the same name exist and are not managed by kubectl-guardian:\n  NetworkPolicy ${ns}/web-guardian`,
    );
    expect(await names(ns)).toEqual(["web-guardian"]);

    // --force allows touching it, but fields another manager owns are still not taken silently.
    const conflict = await apply(s, ["--all", "-n", ns], "--apply", "--force");
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(
      new RegExp(
        `NetworkPolicy ${ns}/web-guardian: 409: Apply failed with \\d+ conflicts?: .* \\(another field manager owns these fields; --force-conflicts takes them over\\)`,
      ),
    );
    expect((await live(ns))[0]?.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);

    const forced = await apply(s, ["--all", "-n", ns], "--apply", "--force", "--force-conflicts");
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(`networkpolicy.networking.k8s.io/web-guardian configured (namespace ${ns})`);
    const taken = (await live(ns)).find((p) => p.metadata?.name === "web-guardian");
    expect(taken?.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("kubectl-guardian");

    const rb = await runCli(["rollback", rollbackFile(forced.stderr), "--kubeconfig", kubeconfig], { env: { HOME: tmpdir() } });
    expect(rb.code).toBe(0);
    const after = await live(ns);
    expect(after.map((p) => p.metadata?.name)).toEqual(["web-guardian"]);
    expect(after[0]?.metadata?.labels).toEqual(before.metadata?.labels);
    expect(after[0]?.metadata?.annotations).toEqual(before.metadata?.annotations);
    expect(after[0]?.spec).toEqual(before.spec);
  });

  it("names the missing permission and applies nothing for a user who may not patch", async () => {
    const ns = uniqueNs("apply");
    await seed.namespace(ns);
    const role = `np-no-patch-${ns}`;
    await seed.rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: role },
        rules: [{ apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "create"] }],
      },
    });
    await seed.rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: role },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "viewer" }],
      },
    });
    const s = await scenario(ns);
    const r = await apply(s, ["--all", "-n", ns], "--apply", "--context", "viewer");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: nothing was applied: your user (context viewer) lacks 1 permission(s):\n  patch networkpolicies.networking.k8s.io in namespace ${ns}`,
    );
    expect(await names(ns)).toEqual([]);
  });
});

/** The CLI in a child process applying the scenario, so that a test can signal it. */
function spawnApply(kc: string, s: { file: string }, ns: string, out: string): ChildProcess {
  return spawnCli([
    "gen",
    "netpol",
    "--all",
    "-n",
    ns,
    "--from-snapshot",
    s.file,
    "--kubeconfig",
    kc,
    "--output-dir",
    out,
    "--allow-dns=false",
    "--apply",
  ]);
}

/** A plain-HTTP proxy in front of the API server; `intercept` may answer a request itself. */
async function proxied(dir: string, intercept: (req: IncomingMessage, res: import("node:http").ServerResponse) => boolean) {
  const server = inject("server");
  const adminToken = /token: (\S+)/.exec(await readFile(kubeconfig, "utf8"))?.[1] as string;
  const proxy = createServer((req: IncomingMessage, res) => {
    if (intercept(req, res)) return;
    const up = httpsRequest(
      `${server}${req.url}`,
      { method: req.method, headers: { ...req.headers, host: new URL(server).host }, rejectUnauthorized: false },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const port = (proxy.address() as { port: number }).port;
  const kc = path.join(dir, "proxy-kubeconfig");
  await writeFile(
    kc,
    `apiVersion: v1\nkind: Config\nclusters: [{name: p, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: a, user: {token: ${adminToken}}}]\ncontexts: [{name: p, context: {cluster: p, user: a}}]\ncurrent-context: p\n`,
  );
  return { kc, close: () => proxy.close() };
}
const isRealApply = (req: IncomingMessage) => req.method === "PATCH" && !/dryRun=All/.test(req.url ?? "");

describe("the API server failing during apply", () => {
  it("a 429 is retried and the apply completes", async () => {
    const ns = uniqueNs("throttle");
    await seed.namespace(ns);
    const s = await scenario(ns);
    let applies = 0;
    const p = await proxied(s.dir, (req, res) => {
      if (isRealApply(req) && ++applies === 2) {
        res
          .writeHead(429, { "content-type": "application/json", "retry-after": "0" })
          .end('{"kind":"Status","code":429,"message":"too many requests"}');
        return true;
      }
      return false;
    });
    try {
      const r = await applyVia(p.kc, s, ["--all", "-n", ns], "--apply");
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.code).toBe(0);
      expect(await names(ns)).toEqual(["api-guardian", "db-guardian", "web-guardian"]);
    } finally {
      p.close();
    }
  });

  it("a 5xx that persists puts back what was already applied: nothing half-applied", async () => {
    const ns = uniqueNs("broken");
    await seed.namespace(ns);
    const s = await scenario(ns);
    let applies = 0;
    const p = await proxied(s.dir, (req, res) => {
      if (isRealApply(req) && ++applies >= 2 && req.url?.includes("db-guardian")) {
        res.writeHead(500, { "content-type": "application/json" }).end('{"kind":"Status","code":500,"message":"etcd is having a bad day"}');
        return true;
      }
      return false;
    });
    try {
      const r = await applyVia(p.kc, s, ["--all", "-n", ns], "--apply");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `error: apply failed: applying NetworkPolicy ${ns}/db-guardian failed \\(500: etcd is having a bad day\\); the \\d object\\(s\\) already applied were put back`,
        ),
      );
      expect(await names(ns)).toEqual([]);
    } finally {
      p.close();
    }
  });
});

/**
 * Applies the scenario in a child process that the proxy signals at its second real (non-dry-run)
 * apply; that request never reaches the server. `code` is null when the child died of the signal.
 */
async function interruptedApply(prefix: string, signal: NodeJS.Signals) {
  const ns = uniqueNs(prefix);
  await seed.namespace(ns);
  const s = await scenario(ns);
  let child: ChildProcess | undefined;
  let applies = 0;
  const p = await proxied(s.dir, (req, res) => {
    if (isRealApply(req) && ++applies === 2) {
      child?.kill(signal);
      res.destroy();
      return true;
    }
    return false;
  });
  const out = path.join(s.dir, "out");
  try {
    const code = await new Promise<number | null>((resolve) => {
      child = spawnApply(p.kc, s, ns, out);
      child.on("exit", (c, sig) => resolve(sig ? null : c));
    });
    return { ns, out, code, applies };
  } finally {
    p.close();
  }
}

describe("Ctrl-C during apply", () => {
  it("exits 130 with every object absent or whole and the rollback file written", async () => {
    const { ns, out, code } = await interruptedApply("sigint", "SIGINT");
    expect(code).toBe(130);
    expect(await names(ns)).toEqual(["api-guardian"]);
    const files = await readdir(out);
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(files.some((f) => f.startsWith("rollback-"))).toBe(true);
  });
});

describe("an apply killed half-way", () => {
  it("leaves every object either absent or whole, and the rollback file undoes it", async () => {
    const { ns, out, code, applies } = await interruptedApply("kill", "SIGKILL");
    expect(code).toBeNull(); // killed
    expect(applies).toBe(2);

    const expected = new Map(
      (await readdir(out))
        .filter((f) => f.endsWith("-networkpolicy.yaml"))
        .map((f) => parse(readFileSync(path.join(out, f), "utf8")))
        .map((o: V1NetworkPolicy) => [o.metadata?.name, o]),
    );
    const now = await live(ns);
    expect(now.length).toBe(1); // the first apply landed, the second never reached the server
    for (const p of now) {
      const want = expected.get(p.metadata?.name);
      expect(want, p.metadata?.name).toBeDefined();
      // client-node's model spells "from" as "_from".
      expect(JSON.parse(JSON.stringify(p.spec).replaceAll('"_from":', '"from":'))).toEqual(want?.spec);
    }
    const file = (await readdir(out)).find((f) => f.startsWith("rollback-"));
    expect(file).toBeDefined();
    // The file remembers the apply's context ("p", the proxy); undo through the admin context directly.
    const wrong = await runCli(["rollback", path.join(out, file as string), "--kubeconfig", kubeconfig], { env: { HOME: tmpdir() } });
    expect(wrong.stderr).toContain('error: context "p" not found in kubeconfig');
    const rb = await runCli(["rollback", path.join(out, file as string), "--kubeconfig", kubeconfig, "--context", "admin"], {
      env: { HOME: tmpdir() },
    });
    expect(rb.code).toBe(0);
    expect(await names(ns)).toEqual([]);
  });
});
