// kubectl's targets: TYPE/NAME in its short and long forms, -l selectors, and errors that name close matches.

import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseSelector, selectorMatches } from "../../src/model/selector.ts";
import { closeMatches, kindOfWord } from "../../src/model/targets.ts";
import { runCli } from "../support/io.ts";

const gen = (...args: string[]) => runCli(["gen", "netpol", ...args, "--demo", "--yes", "--output-dir", "", "--color", "never"]);
const workloads = (yaml: string) =>
  yaml
    .split(/^---$/m)
    .map((d) => parse(d) as { metadata?: { namespace: string; annotations: Record<string, string> } } | null)
    .filter((d) => d?.metadata)
    .map((d) => `${d?.metadata?.namespace}/${d?.metadata?.annotations["guardian.kubectl.io/workload"]}`)
    .sort();

describe("kubectl targets", () => {
  it.each([
    ["deploy", "Deployment"],
    ["deployment", "Deployment"],
    ["deployments.apps", "Deployment"],
    ["Deployment.apps", "Deployment"],
    ["sts", "StatefulSet"],
    ["statefulset.apps", "StatefulSet"],
    ["ds", "DaemonSet"],
    ["daemonsets", "DaemonSet"],
    ["job", "Job"],
    ["jobs.batch", "Job"],
    ["cj", "CronJob"],
    ["po", "Pod"],
    ["pod", "Pod"],
  ])("%s names a %s", (word, kind) => expect(kindOfWord(word)).toBe(kind));

  it.each(["svc", "pod.apps", "deployment.batch", "deploymentz"])("%s is not a workload word", (w) =>
    expect(kindOfWord(w)).toBeUndefined(),
  );

  it.each([["deploy/web"], ["deployment/web"], ["deployment.apps/web"], ["web"]])("gen %s picks the Deployment web", async (t) => {
    const r = await gen(t, "-n", "shop");
    expect(r.code).toBe(0);
    expect(workloads(r.stdout)).toEqual(["shop/Deployment/web"]);
  });

  it("sts/NAME picks the StatefulSet; pod/NAME the pod's workload", async () => {
    expect(workloads((await gen("sts/db", "-n", "shop")).stdout)).toEqual(["shop/StatefulSet/db"]);
    expect(workloads((await gen("pod/web-7d9f6b8c4-m2k7p", "-n", "shop")).stdout)).toEqual(["shop/Deployment/web"]);
  });

  it("a kind that does not match is not found, and the error lists what is there", async () => {
    const r = await gen("sts/frontend", "-n", "shop");
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe('error: statefulset/frontend not found in namespace "shop"; there: statefulset/db');
  });

  it("a near miss names the close matches; a name from another namespace says which", async () => {
    const r = await gen("wbe", "-n", "shop");
    expect(r.stderr.split("\n")[0]).toMatch(/did you mean .*deployment\/web/);
    const other = await gen("deploy/api", "-n", "analytics");
    expect(other.stderr.split("\n")[0]).toContain('"api" exists in namespace shop (use -n)');
  });

  it("pod/NAME of a workload name is not found: pod/ means a pod", async () => {
    const r = await gen("pod/web", "-n", "shop");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pod\/web not found .*did you mean pod\/web-/);
  });

  it("an unknown type or a malformed TYPE/NAME is a usage error", async () => {
    expect((await gen("svc/web", "-n", "shop")).code).toBe(2);
    expect((await gen("svc/web", "-n", "shop")).stderr).toContain('"svc" is not a workload type');
    expect((await gen("deploy/", "-n", "shop")).code).toBe(2);
    expect((await gen("deploy/a/b", "-n", "shop")).code).toBe(2);
  });

  it("-l picks workloads by their pods' labels, in the namespace or with -A in all", async () => {
    expect(workloads((await gen("-l", "app=web", "-n", "shop")).stdout)).toEqual(["shop/Deployment/web"]);
    expect(workloads((await gen("-l", "app in (web,api)", "-A")).stdout)).toEqual(["shop/Deployment/api", "shop/Deployment/web"]);
    const none = await gen("-l", "app=nope", "-A");
    expect(none.code).toBe(1);
    expect(none.stderr.split("\n")[0]).toBe("error: no pods match -l app=nope");
  });

  it("-l with a name, or a bad selector, is a usage error", async () => {
    expect((await gen("web", "-l", "app=web", "-n", "shop")).code).toBe(2);
    const bad = await gen("-l", "a b", "-n", "shop");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid -l: "a b" is not a label requirement');
  });
});

describe("the same targets on diff and explain", () => {
  const bogus = ["--kubeconfig", "/nonexistent/kubeconfig", "--color", "never", "--non-interactive"];
  it("diff takes TYPE/NAME and -l (the run then fails on the kubeconfig, not on the target)", async () => {
    for (const t of [["deploy/web"], ["deployment.apps/web"], ["-l", "app=web"]]) {
      const r = await runCli(["diff", "netpol", ...t, "-n", "shop", ...bogus]);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/usage/);
    }
    const bad = await runCli(["diff", "netpol", "svc/web", "-n", "shop", ...bogus]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("kubectl guardian diff networkpolicy --help");
  });

  it("explain takes TYPE/NAME; a bad type is a usage error naming explain", async () => {
    expect((await runCli(["explain", "sts/db", "-n", "shop", "--demo"])).code).toBe(0);
    const bad = await runCli(["explain", "svc/db", "-n", "shop", "--demo"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("kubectl guardian explain --help");
  });
});

describe("kubectl's selector syntax", () => {
  const m = (sel: string, labels: Record<string, string>) => selectorMatches({ matchExpressions: parseSelector(sel) }, labels);
  it("equality, inequality, sets and existence mean what kubectl means", () => {
    expect(m("app=web", { app: "web" })).toBe(true);
    expect(m("app==web", { app: "web" })).toBe(true);
    expect(m("app!=web", {})).toBe(true); // != also matches when the key is absent
    expect(m("app!=web", { app: "web" })).toBe(false);
    expect(m("env in (a, b),tier", { env: "b", tier: "x" })).toBe(true);
    expect(m("env notin (a,b)", { env: "b" })).toBe(false);
    expect(m("!tier", { tier: "x" })).toBe(false);
    expect(m("app=web,!tier", { app: "web" })).toBe(true);
  });
  it.each(["", "a,,b", "a b", "=x", "a in b"])("%j is rejected", (s) => expect(() => parseSelector(s)).toThrow());
});

describe("close matches", () => {
  it("prefers substrings, then small edits, and caps the list", () => {
    expect(closeMatches("web", ["deployment/web", "pod/web-1", "deployment/api"])).toEqual(["deployment/web", "pod/web-1"]);
    expect(closeMatches("ap", ["deployment/api", "deployment/zzzzzz"])).toEqual(["deployment/api"]);
    expect(closeMatches("x", ["a/b", "a/c", "a/d", "a/e"])).toHaveLength(3);
    expect(closeMatches("database", ["deployment/web"])).toEqual([]);
  });
});
