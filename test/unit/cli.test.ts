import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { GEN_EXAMPLES } from "../../src/cli/app.ts";
import { parseDuration } from "../../src/cli/flags/common.ts";
import { runCli } from "../support/io.ts";

const oneLineError = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("error: "));

describe("help and usage", () => {
  it("lists the commands and exits 0", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["gen <kind> [pod]", "version", "completion <shell>"]) expect(r.stdout).toContain(c);
  });

  it("shows an example for every seed scenario in gen --help", async () => {
    const r = await runCli(["gen", "netpol", "--help"]);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, " ");
    for (const needle of [
      "gen networkpolicy my-app -n production",
      "--all -n staging",
      "-A --output-dir",
      "--type cilium",
      '--output-dir ""',
      "--apply",
      "--demo",
    ]) {
      expect(help).toContain(needle);
    }
    expect(GEN_EXAMPLES.length).toBeGreaterThanOrEqual(6);
  });

  it.each([
    [["gen", "netpol", "web", "--bogus"], /^error: unknown flag: --bogus$/],
    [["gen", "netpol", "web", "--bogus=1", "-z"], /^error: unknown flags: --bogus, -z$/],
    [["gen", "netpol", "a", "b"], /^error: unexpected argument: b$/],
    [["gen", "netpol", "web", "-t", "calico"], /invalid values:.*calico/i],
    [["gen", "netpol"], /a pod or TYPE\/NAME is required/],
    [["gen", "netpol", "web", "--all"], /cannot be combined/],
    [["gen", "firewall", "web"], /invalid values/i],
    [["gen", "netpol", "web", "--dry-run=maybe", "--demo"], /invalid --dry-run/],
    [["gen", "netpol", "web", "--since", "yesterday", "--demo"], /invalid --since/],
    [["gen", "netpol", "web", "--min-flows", "0", "--demo"], /--min-flows/],
    [["gen", "netpol", "web", "--policy-types", "Sideways", "--demo"], /invalid --policy-types/],
    [["gen", "netpol", "web", "--request-timeout", "soon", "--demo"], /invalid --request-timeout/],
    [["gen", "netpol", "web", "--concurrency", "0", "--demo"], /--concurrency must be/],
    // The demo describes a made-up cluster; a server-side dry run of it is fine.
    [["gen", "netpol", "-A", "--demo", "--apply"], /^error: --demo cannot be applied: its policies describe a made-up cluster/],
    [["gen", "netpol", "-A", "--demo", "--dry-run=false"], /^error: --demo cannot be applied/],
    [["verify", "-A", "--demo", "--policies", "-", "--hostnames", "-"], /^error: --policies and --hostnames cannot both read stdin$/],
    [
      ["gen", "netpol", "-A", "--from-snapshot", "-", "--hostnames", "-"],
      /^error: --from-snapshot and --hostnames cannot both read stdin$/,
    ],
    [["frobnicate"], /^error: unknown command "frobnicate"$/],
    [[], /a command is required/],
  ])("%j is a usage error: one line, a hint, exit 2", async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    const errors = oneLineError(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(r.stderr).toMatch(/See 'kubectl guardian.* --help' for usage\./);
    expect(r.stdout).toBe("");
  });

  it("names a missing kubeconfig, with the fixes", async () => {
    const home = await mkdtemp(path.join(tmpdir(), "guardian-home-"));
    const r = await runCli(["gen", "netpol", "web", "-n", "shop"], { env: { HOME: home } });
    expect(r.code).toBe(1);
    expect(oneLineError(r.stderr)).toEqual([
      `error: no kubeconfig found at ${home}/.kube/config; set KUBECONFIG or pass --kubeconfig (or try --demo)`,
    ]);
    const missing = await runCli(["gen", "netpol", "web", "--kubeconfig", path.join(home, "nope")], { env: { HOME: home } });
    expect(oneLineError(missing.stderr)[0]).toMatch(/kubeconfig .*nope does not exist; check --kubeconfig/);
    const none = await runCli(["gen", "netpol", "web"], { env: { HOME: home, KUBECONFIG: `${home}/a:${home}/b` } });
    expect(oneLineError(none.stderr)[0]).toMatch(/none of the KUBECONFIG files exist/);
  });
});

describe("version and completion", () => {
  it("prints version, commit and build date", async () => {
    const r = await runCli(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kubectl-guardian \S+ \(commit \S+, built \S+\)\n$/);
    const j = await runCli(["version", "-o", "json"]);
    expect(Object.keys(JSON.parse(j.stdout)).sort()).toEqual(["buildDate", "commit", "version"]);
  });

  it("prints bash and zsh completion scripts that ask the binary", async () => {
    const bash = await runCli(["completion", "bash"]);
    expect(bash.stdout).toContain("complete -o default -F _kubectl_guardian kubectl-guardian");
    expect(bash.stdout).toContain("--get-yargs-completions");
    const zsh = await runCli(["completion", "zsh"]);
    expect(zsh.stdout).toContain("compdef _kubectl_guardian kubectl-guardian");
    expect((await runCli(["completion", "fish"])).code).toBe(2);
  });
});

describe("gen on the bundled demo", () => {
  it("prints only NetworkPolicy YAML on stdout, and the summary on stderr", async () => {
    const r = await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs.length).toBeGreaterThanOrEqual(6);
    for (const d of docs) {
      expect(d.apiVersion).toBe("networking.k8s.io/v1");
      expect(d.kind).toBe("NetworkPolicy");
    }
    expect(r.stderr).toMatch(/\d+ NetworkPolicies, \d+ rules for \d+ workloads from \d+ traffic rows/);
  });

  it("-o json prints one kubectl-readable List", async () => {
    const r = await runCli(["gen", "netpol", "--all", "-n", "shop", "--demo", "--output-dir", "", "-o", "json"]);
    const list = JSON.parse(r.stdout);
    expect(list).toMatchObject({ apiVersion: "v1", kind: "List" });
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual([
      "api-guardian",
      "db-guardian",
      "web-guardian",
    ]);
  });

  it("gives the same bytes on every run", async () => {
    const a = await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""]);
    const b = await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""]);
    expect(a.stdout).toBe(b.stdout);
  });

  it("writes <ns>-<workload>-networkpolicy.yaml files, leaves same content alone, refuses foreign files", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-out-"));
    const first = await runCli(["gen", "netpol", "--all", "-n", "shop", "--demo", "--output-dir", dir]);
    expect(first.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      "shop-api-networkpolicy.yaml",
      "shop-db-networkpolicy.yaml",
      "shop-web-networkpolicy.yaml",
    ]);
    const again = await runCli(["gen", "netpol", "--all", "-n", "shop", "--demo", "--output-dir", dir]);
    expect(again.stderr).toContain("3 file(s) unchanged");

    const foreign = path.join(dir, "shop-web-networkpolicy.yaml");
    await writeFile(foreign, "# hand-written\nkind: NetworkPolicy\n");
    const refused = await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--output-dir", dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("not written by kubectl-guardian");
    expect(await readFile(foreign, "utf8")).toBe("# hand-written\nkind: NetworkPolicy\n");
    const forced = await runCli(["gen", "netpol", "web", "-n", "shop", "--demo", "--output-dir", dir, "--force"]);
    expect(forced.code).toBe(0);
    expect(await readFile(foreign, "utf8")).toMatch(/^# kubectl-guardian sha256:[0-9a-f]{16}\n# NetworkPolicy for deployment shop\/web/);

    // A generated file edited by hand is not overwritten either.
    const api = path.join(dir, "shop-api-networkpolicy.yaml");
    const edited = (await readFile(api, "utf8")).replace("protocol: TCP", "protocol: UDP");
    await writeFile(api, edited);
    const again2 = await runCli(["gen", "netpol", "--all", "-n", "shop", "--demo", "--output-dir", dir]);
    expect(again2.code).toBe(1);
    expect(again2.stderr).toContain(`error: not writing ${api}: it was edited since kubectl-guardian wrote it (pass --force to overwrite)`);
    expect(await readFile(api, "utf8")).toBe(edited);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("accepts a workload name where a pod name is expected, as users think in workloads", async () => {
    const r = await runCli(["gen", "netpol", "api", "-n", "shop", "--demo", "--output-dir", ""]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("name: api-guardian");
  });

  it("names the missing pod with a fix", async () => {
    const r = await runCli(["gen", "netpol", "nope", "-n", "shop", "--demo", "--output-dir", ""]);
    expect(r.code).toBe(1);
    expect(oneLineError(r.stderr)).toEqual(['error: pod or workload "nope" not found in namespace "shop"']);
  });

  it("fails cleanly on an unwritable output directory before any work", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-ro-"));
    const file = path.join(dir, "file");
    await writeFile(file, "x");
    const r = await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", path.join(file, "sub")]);
    expect(r.code).toBe(1);
    expect(oneLineError(r.stderr)[0]).toMatch(/cannot write to output directory .* \(ENOTDIR\); choose another with --output-dir/);
  });

  it('"--from-snapshot -" reads the snapshot from stdin', async () => {
    const { readFile } = await import("node:fs/promises");
    const demo = await readFile(new URL("../../src/demo/demo-snapshot.json", import.meta.url), "utf8");
    const piped = await runCli(["gen", "netpol", "--all", "-A", "--from-snapshot", "-", "--output-dir", ""], { stdin: demo });
    const bundled = await runCli(["gen", "netpol", "--all", "-A", "--demo", "--output-dir", ""]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(bundled.stdout);
    const empty = await runCli(["gen", "netpol", "--all", "-A", "--from-snapshot", "-"], { stdin: "" });
    expect(oneLineError(empty.stderr)[0]).toMatch(/^error: the snapshot on stdin is not valid JSON/);
  });

  it("reports a broken snapshot file in one line", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-snap-"));
    const file = path.join(dir, "s.json");
    await writeFile(file, '{"apiVersion": "v0"}');
    const r = await runCli(["gen", "netpol", "--all", "-A", "--from-snapshot", file, "--output-dir", ""]);
    expect(r.code).toBe(1);
    expect(oneLineError(r.stderr)[0]).toMatch(/is not a TrafficSnapshot guardian.kubectl.io\/v1alpha1: apiVersion/);
    await writeFile(file, "{");
    expect(oneLineError((await runCli(["gen", "netpol", "-A", "--from-snapshot", file])).stderr)[0]).toMatch(/not valid JSON/);
  });
});

describe("durations", () => {
  it.each([
    ["90s", 90_000],
    ["15m", 900_000],
    ["1h30m", 5_400_000],
    ["7d", 604_800_000],
  ])("%s is %d ms", (s, ms) => expect(parseDuration(s)).toBe(ms));
  it.each(["", "0m", "1x", "m", "1.5h", "-1h"])("%j is rejected", (s) => expect(parseDuration(s)).toBeNull());
});
