// A real kube-apiserver + etcd on loopback for the test suite: fresh data dir, free ports, token auth,
// RBAC, an admin and a deliberately limited user. Everything started is stopped by pid.
// Usage: node scripts/cluster/test-cluster.ts up   (prints KUBECONFIG, stops on Ctrl-C)
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CACHE = process.env.KGUARDIAN_CACHE ?? path.join(os.homedir(), ".cache", "kubectl-guardian");
export const APISERVER = path.join(CACHE, "bin", "kube-apiserver");
export const SERVICE_CIDR = "10.96.0.0/16";

export interface TestCluster {
  kubeconfig: string;
  server: string;
  adminToken: string;
  viewerToken: string;
  dir: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Builds kube-apiserver (once, cached) and installs etcd when missing. */
export function ensureBinaries(): void {
  if (existsSync(APISERVER) && existsSync("/usr/bin/etcd")) return;
  execFileSync("bash", [path.join(ROOT, "scripts/cluster/build-apiserver.sh")], { stdio: "inherit" });
}

function get(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** Polls until the predicate holds; a readiness probe, not a fixed wait. */
async function until(what: string, ms: number, ok: () => Promise<boolean>, alive: () => string | null): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what}: not ready after ${ms} ms`);
}

function start(cmd: string, args: string[], log: string): ChildProcess {
  const out = createWriteStream(log);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(t);
}

export async function startCluster(opts: { keep?: boolean } = {}): Promise<TestCluster> {
  ensureBinaries();
  const dir = mkdtempSync(path.join(os.tmpdir(), "guardian-cluster-"));
  mkdirSync(path.join(dir, "certs"));
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(16).toString("hex");
  const viewerToken = randomBytes(16).toString("hex");
  writeFileSync(path.join(dir, "tokens.csv"), `${adminToken},admin,admin,"system:masters"\n${viewerToken},viewer,viewer\n`, {
    mode: 0o600,
  });
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(path.join(dir, "sa.key"), privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
  writeFileSync(path.join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));

  const procs: ChildProcess[] = [];
  const exitMessage = (p: ChildProcess, name: string, log: string) => () =>
    p.exitCode !== null || p.signalCode !== null ? `${name} exited (${p.exitCode ?? p.signalCode}); last log lines:\n${tail(log)}` : null;
  const stop = async () => {
    for (const p of [...procs].reverse()) await stopProcess(p);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  // A crashed test run must not leave servers behind.
  const onExit = () => {
    for (const p of procs) p.kill("SIGKILL");
  };
  process.once("exit", onExit);

  try {
    const etcdLog = path.join(dir, "etcd.log");
    const etcd = start(
      "etcd",
      [
        "--name=guardian",
        `--data-dir=${path.join(dir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=guardian=http://127.0.0.1:${etcdPeer}`,
        "--log-level=warn",
      ],
      etcdLog,
    );
    procs.push(etcd);

    const apiLog = path.join(dir, "kube-apiserver.log");
    const api = start(
      APISERVER,
      [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${securePort}`,
        "--insecure-port=0",
        `--cert-dir=${path.join(dir, "certs")}`,
        `--token-auth-file=${path.join(dir, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--service-account-key-file=${path.join(dir, "sa.pub")}`,
        `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        // No controller-manager creates default ServiceAccounts, so pods would be refused without this.
        "--disable-admission-plugins=ServiceAccount",
        "--allow-privileged=true",
        "--kubelet-preferred-address-types=InternalIP",
        // Endpoints may not be loopback addresses, so the reconciler cannot publish 127.0.0.1; tests seed them.
        "--endpoint-reconciler-type=none",
        "--enable-priority-and-fairness=false",
        "--profiling=false",
        "--v=1",
      ],
      apiLog,
    );
    procs.push(api);
    const server = `https://127.0.0.1:${securePort}`;
    const failed = () => exitMessage(etcd, "etcd", etcdLog)() ?? exitMessage(api, "kube-apiserver", apiLog)();
    await until("kube-apiserver", 90_000, async () => (await get(`${server}/readyz`, adminToken)) === 200, failed);
    // The bootstrap controller creates the default namespace and the kubernetes Service just after readiness.
    await until(
      "kubernetes Service",
      30_000,
      async () => (await get(`${server}/api/v1/namespaces/default/services/kubernetes`, adminToken)) === 200,
      failed,
    );

    const ca = readFileSync(path.join(dir, "certs", "apiserver.crt")).toString("base64");
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigYaml(server, ca, adminToken, viewerToken), { mode: 0o600 });
    return { kubeconfig, server, adminToken, viewerToken, dir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function tail(file: string, n = 15): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-n).join("\n");
  } catch {
    return "(no log)";
  }
}

function kubeconfigYaml(server: string, ca: string, admin: string, viewer: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: guardian-test
  cluster:
    server: ${server}
    certificate-authority-data: ${ca}
users:
- name: admin
  user:
    token: ${admin}
- name: viewer
  user:
    token: ${viewer}
contexts:
- name: admin
  context: {cluster: guardian-test, user: admin, namespace: default}
- name: viewer
  context: {cluster: guardian-test, user: viewer, namespace: default}
current-context: admin
`;
}

if (import.meta.main) {
  if (process.argv[2] !== "up") {
    console.error("usage: node scripts/cluster/test-cluster.ts up");
    process.exit(2);
  }
  const c = await startCluster();
  console.log(`export KUBECONFIG=${c.kubeconfig}`);
  console.error("test cluster up; Ctrl-C stops it");
  const down = () => void c.stop().then(() => process.exit(0));
  process.on("SIGINT", down);
  process.on("SIGTERM", down);
}
