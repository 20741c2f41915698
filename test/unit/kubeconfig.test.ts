import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadKubeconfig } from "../../src/cluster/kubeconfig.ts";

const config = (ctx: string, cluster: string, server: string, ns?: string) => `apiVersion: v1
kind: Config
clusters: [{name: ${cluster}, cluster: {server: "${server}"}}]
users: [{name: u-${ctx}, user: {token: t}}]
contexts: [{name: ${ctx}, context: {cluster: ${cluster}, user: u-${ctx}${ns ? `, namespace: ${ns}` : ""}}}]
current-context: ${ctx}
`;

describe("kubeconfig like kubectl", () => {
  it("merges every file in KUBECONFIG; the first file's current context wins", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kc-"));
    await writeFile(path.join(dir, "a"), config("prod", "p", "https://prod.example:6443", "shop"));
    await writeFile(path.join(dir, "b"), config("dev", "d", "https://dev.example:6443"));
    const env = { HOME: dir, KUBECONFIG: `${path.join(dir, "a")}:${path.join(dir, "missing")}:${path.join(dir, "b")}` };
    const t = loadKubeconfig({ env });
    expect(t).toMatchObject({ context: "prod", namespace: "shop", server: "https://prod.example:6443" });
    const dev = loadKubeconfig({ env, context: "dev" });
    expect(dev).toMatchObject({ context: "dev", namespace: "default", server: "https://dev.example:6443" });
  });

  it("--kubeconfig wins over KUBECONFIG", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kc-"));
    await writeFile(path.join(dir, "a"), config("a", "ca", "https://a:6443"));
    await writeFile(path.join(dir, "b"), config("b", "cb", "https://b:6443"));
    expect(loadKubeconfig({ kubeconfig: path.join(dir, "b"), env: { KUBECONFIG: path.join(dir, "a") } }).context).toBe("b");
  });

  it("reads ~/.kube/config when nothing else is set", async () => {
    const home = await mkdtemp(path.join(tmpdir(), "kc-"));
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.join(home, ".kube"));
    await writeFile(path.join(home, ".kube", "config"), config("home", "h", "https://home:6443", "ops"));
    expect(loadKubeconfig({ env: { HOME: home } })).toMatchObject({ context: "home", namespace: "ops" });
  });
});
