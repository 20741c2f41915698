// Widening on purpose: every step of the ladder, what it admits (judged by the tests' own evaluator),
// narrowing back to the exact rule, suggestions, and the decisions file replaying it.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { WorkloadPolicy } from "../../src/model/types.ts";
import { renderPolicies } from "../../src/pipeline/generate.ts";
import { ladders, type RuleLadder } from "../../src/policy/widen.ts";
import { applyWidenings, choiceOf } from "../../src/policy/widen-apply.ts";
import { DecisionsError, parseDecisions, recordDecisions, recordedWidenings, serializeDecisions } from "../../src/review/decisions.ts";
import { initialState, type ReviewRule, reduce } from "../../src/review/state.ts";
import { coveredBy } from "../../src/review/widening.ts";
import { Cluster, tcp } from "../support/builders.ts";
import { gen } from "../support/generate.ts";
import { runCli } from "../support/io.ts";
import { allowed, type NetworkPolicyObject } from "../support/np-eval.ts";

/** An ingress controller reached from two internet clients, a web Deployment beside two others, and egress to a provider. */
function world() {
  const c = new Cluster().node("worker-1", "10.0.0.11");
  const [ing] = c.deployment("edge", "ingress", { app: "ingress" }, { ports: [tcp(443, "https"), tcp(80, "http")] });
  const [web] = c.deployment("shop", "web", { app: "web" }, { ports: [tcp(8080, "http")] });
  const [api] = c.deployment("shop", "api", { app: "api" }, { ports: [tcp(9000, "http")] });
  c.deployment("shop", "worker", { app: "worker" });
  c.deployment("other", "batch", { app: "batch" });
  c.row(ing!, "INGRESS", "203.0.113.7", 443);
  c.row(ing!, "INGRESS", "203.0.113.7", 80);
  c.row(ing!, "INGRESS", "198.51.100.23", 443);
  c.connect(web!, api!, 9000);
  for (const ip of ["192.0.2.10", "192.0.2.11", "192.0.2.12"]) c.row(api!, "EGRESS", ip, 443);
  return c;
}

const nsLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });
const find = (ps: WorkloadPolicy[], name: string) => ps.find((p) => p.workload.name === name) as WorkloadPolicy;

function setup(c = world()) {
  const g = gen(c);
  const lad = ladders(g.result.policies, g.index);
  return { g, lad, policies: g.result.policies };
}

const np = (ps: WorkloadPolicy[]) =>
  renderPolicies(ps, [], { generator: "t", type: "kubernetes" }).map((o) => o.object as unknown as NetworkPolicyObject);
const world4 = (ip: string) => ({ ip });
const podOf = (c: Cluster, ns: string, app: string) => {
  const p = c.inventory.pods.find((x) => x.namespace === ns && x.labels.app === app);
  if (!p) throw new Error(`no pod ${ns}/${app}`);
  return { ip: p.ips[0] as string, pod: { namespace: ns, labels: p.labels } };
};

describe("the ladder of an external /32", () => {
  it("goes from the smallest prefix of the observed addresses to /24, /16 and any address but the cluster's, each wider", () => {
    const { lad, policies } = setup();
    const rule = find(policies, "ingress").ingress.find((r) => r.peer.kind === "external" && r.peer.cidr === "203.0.113.7/32");
    const steps = (lad.get(rule?.id as string) as RuleLadder).peer;
    expect(steps.map((s) => s.label)).toEqual(["203.0.113.0/24", "203.0.0.0/16", "192.0.0.0/4", "any IPv4 address outside the cluster"]);
    const widths = steps.map((s) => (s.peer?.kind === "external" ? Number(s.peer.cidr.split("/")[1]) : -1));
    expect([...widths].sort((a, b) => b - a)).toEqual(widths);
    const any = steps.at(-1)?.peer;
    expect(any).toMatchObject({ kind: "external", cidr: "0.0.0.0/0" });
    expect((any as { except: string[] }).except).toEqual(expect.arrayContaining(["10.0.0.0/16"]));
    // Each step says what it admits beyond the evidence before it is taken.
    for (const s of steps) expect(s.beyond.length).toBeGreaterThan(0);
    expect(steps[0]?.beyond[0]).toBe("256 addresses, 1 of them observed on these ports");
  });

  it("each step admits every observed connection and the addresses it names, and no cluster address", () => {
    const c = world();
    const { lad, policies } = setup(c);
    const ing = find(policies, "ingress");
    const rule = ing.ingress.find((r) => r.peer.kind === "external" && r.peer.cidr === "203.0.113.7/32");
    const l = lad.get(rule?.id as string) as RuleLadder;
    const target = podOf(c, "edge", "ingress");
    for (let k = 1; k <= l.peer.length; k++) {
      const choice = choiceOf({ id: rule?.id as string, target: "edge/Deployment/ingress", direction: "ingress" }, l, k, false);
      const out = np(applyWidenings(policies, choice ? [choice] : []).policies);
      const ok = (ip: string, port = 443) => allowed(out, nsLabels, world4(ip), target, port, "TCP");
      expect(ok("203.0.113.7")).toBe(true);
      expect(ok("203.0.113.7", 80)).toBe(true);
      expect(ok("203.0.113.200")).toBe(true); // inside every step
      expect(ok("203.0.113.200", 22)).toBe(false); // never another port
      expect(ok("10.0.0.11")).toBe(false); // the cluster's nodes: never by widening
    }
  });

  it("narrowing back restores the exact rule, byte for byte", () => {
    const { lad, policies } = setup();
    const rule = find(policies, "ingress").ingress[0];
    const l = lad.get(rule?.id as string) as RuleLadder;
    expect(choiceOf({ id: rule?.id as string, target: "edge/Deployment/ingress", direction: "ingress" }, l, 0, false)).toBeNull();
    expect(np(applyWidenings(policies, []).policies)).toEqual(np(policies));
  });

  it("a step that holds another rule's address absorbs it, evidence merged, under the widened rule's id", () => {
    const { lad, policies } = setup();
    const ing = find(policies, "ingress");
    const wide = ing.ingress.find((r) => r.peer.kind === "external" && r.peer.cidr === "203.0.113.7/32");
    const l = lad.get(wide?.id as string) as RuleLadder;
    const last = l.peer.length;
    const choice = choiceOf({ id: wide?.id as string, target: "edge/Deployment/ingress", direction: "ingress" }, l, last, false);
    const r = applyWidenings(policies, choice ? [choice] : []);
    const after = find(r.policies, "ingress").ingress;
    expect(after.map((x) => x.id)).toEqual([wide?.id]);
    expect(after[0]?.evidence.flows).toBe(3);
    expect(after[0]?.widened?.step).toBe("internet");
    expect(r.absorbed.size).toBe(1);
  });
});

describe("the ladder of a pod peer", () => {
  it("every workload of its namespace → the namespace's pods → any namespace, each admitting what it says", () => {
    const c = world();
    const { lad, policies } = setup(c);
    const api = find(policies, "api");
    const rule = api.ingress.find((r) => r.peer.kind === "workload");
    const l = lad.get(rule?.id as string) as RuleLadder;
    expect(l.peer.map((s) => s.step)).toEqual(["namespace-workloads", "namespace", "any-namespace"]);
    expect(l.peer[0]?.beyond[0]).toBe("workloads beyond deployment/web: deployment/api, deployment/worker");
    const target = podOf(c, "shop", "api");
    const verdicts = [0, 1, 2, 3].map((k) => {
      const choice = choiceOf({ id: rule?.id as string, target: "shop/Deployment/api", direction: "ingress" }, l, k, false);
      const out = np(applyWidenings(policies, choice ? [choice] : []).policies);
      const from = (ns: string, app: string) => allowed(out, nsLabels, podOf(c, ns, app), target, 9000, "TCP");
      const unlabeled = allowed(out, nsLabels, { ip: "10.244.9.9", pod: { namespace: "shop", labels: {} } }, target, 9000, "TCP");
      return [from("shop", "web"), from("shop", "worker"), unlabeled, from("other", "batch")];
    });
    expect(verdicts).toEqual([
      [true, false, false, false], // exact
      [true, true, false, false], // the namespace's workloads
      [true, true, true, false], // every pod of shop, also future ones
      [true, true, true, true], // every namespace
    ]);
  });
});

describe("ports", () => {
  it("exact → the observed range, and back", () => {
    const c = world();
    const { lad, policies } = setup(c);
    const rule = find(policies, "ingress").ingress.find((r) => r.ports.length === 2);
    const l = lad.get(rule?.id as string) as RuleLadder;
    expect(l.ports?.label).toBe("80-443/TCP");
    expect(l.ports?.beyond[0]).toBe("362 port(s) beyond the 2 observed");
    const choice = choiceOf({ id: rule?.id as string, target: "edge/Deployment/ingress", direction: "ingress" }, l, 0, true);
    const out = np(applyWidenings(policies, choice ? [choice] : []).policies);
    const target = podOf(c, "edge", "ingress");
    expect(allowed(out, nsLabels, { ip: "203.0.113.7" }, target, 8080, "TCP")).toBe(false);
    expect(allowed(out, nsLabels, { ip: "203.0.113.7" }, target, 200, "TCP")).toBe(true);
    expect(choiceOf({ id: rule?.id as string, target: "x", direction: "ingress" }, l, 0, false)).toBeNull();
  });
});

describe("suggestions", () => {
  it("an ingress port reached from 2+ public addresses suggests any address; 3 addresses of one /24 suggest the /24", () => {
    const { lad, policies } = setup();
    const ing = find(policies, "ingress").ingress.filter((r) => r.peer.kind === "external");
    for (const r of ing) {
      const l = lad.get(r.id) as RuleLadder;
      expect(l.peer[(l.suggestion?.step as number) - 1]?.step).toBe("internet");
      expect(l.suggestion?.reason).toMatch(/2 distinct public addresses reached port 443\/TCP/);
    }
    for (const r of find(policies, "api").egress) {
      const l = lad.get(r.id) as RuleLadder;
      expect(l.peer[(l.suggestion?.step as number) - 1]?.label).toBe("192.0.2.0/24");
    }
  });

  it("clients that are every workload of a namespace suggest the namespace", () => {
    const c = new Cluster();
    const [srv] = c.deployment("data", "db", { app: "db" }, { ports: [tcp(5432, "pg")] });
    const [a] = c.deployment("apps", "a", { app: "a" });
    const [b] = c.deployment("apps", "b", { app: "b" });
    c.connect(a!, srv!, 5432);
    c.connect(b!, srv!, 5432);
    const { lad, policies } = setup(c);
    for (const r of find(policies, "db").ingress) {
      const l = lad.get(r.id) as RuleLadder;
      expect(l.peer[(l.suggestion?.step as number) - 1]?.step).toBe("namespace");
      expect(l.suggestion?.reason).toBe("every workload of namespace apps (2) is a client");
    }
  });

  it("one client address suggests nothing", () => {
    const c = new Cluster();
    const [ing] = c.deployment("edge", "ingress", { app: "ingress" }, { ports: [tcp(443, "https")] });
    c.row(ing!, "INGRESS", "203.0.113.7", 443);
    const { lad, policies } = setup(c);
    expect(lad.get(find(policies, "ingress").ingress[0]?.id as string)?.suggestion).toBeNull();
  });
});

function reviewRule(id: string, l: RuleLadder): ReviewRule {
  return {
    id,
    workloadKey: "edge/Deployment/ingress",
    workload: "deployment edge/ingress",
    direction: "ingress",
    peer: id,
    ports: "443/TCP",
    peerDetail: [],
    evidence: [],
    warnings: [],
    yaml: [],
    flows: 1,
    ladder: l.peer,
    portStep: l.ports,
    suggestion: l.suggestion,
  };
}

describe("the review's widening keys (reducer)", () => {
  it("+ climbs one step and accepts, - narrows back to exact; S jumps to the suggestion; p toggles the port range", () => {
    const { lad, policies } = setup();
    const rules = find(policies, "ingress").ingress.map((r) => reviewRule(r.id, lad.get(r.id) as RuleLadder));
    const first = rules.find((r) => r.portStep) as ReviewRule;
    let s = initialState([first, ...rules.filter((r) => r !== first)], {});
    s = reduce(s, { type: "widen" });
    expect(s.widen[first.id]).toBe(1);
    expect(s.decisions[first.id]).toBe("accepted");
    for (let i = 0; i < 10; i++) s = reduce(s, { type: "widen" });
    expect(s.widen[first.id]).toBe(first.ladder.length); // no step beyond the last
    const other = rules.find((r) => r !== first) as ReviewRule;
    expect(coveredBy(s, other.id)?.id).toBe(first.id);
    for (let i = 0; i < 10; i++) s = reduce(s, { type: "narrow" });
    expect(s.widen[first.id]).toBe(0);
    expect(coveredBy(s, other.id)).toBeUndefined();
    s = reduce(s, { type: "suggested" });
    expect(first.ladder[(s.widen[first.id] as number) - 1]?.step).toBe("internet");
    s = reduce(s, { type: "ports" });
    expect(s.portRange[first.id]).toBe(true);
    s = reduce(s, { type: "ports" });
    expect(s.portRange[first.id]).toBe(false);
  });
});

describe("the decisions file", () => {
  it("records a widening and replays it exactly, and a narrowed rule loses it", () => {
    const { lad, policies } = setup();
    const rules = find(policies, "ingress").ingress.map((r) => reviewRule(r.id, lad.get(r.id) as RuleLadder));
    const id = rules[0]?.id as string;
    const choice = choiceOf({ id, target: "edge/Deployment/ingress", direction: "ingress" }, lad.get(id) as RuleLadder, 1, false);
    const file = recordDecisions(
      { decisions: {}, skipped: [] },
      rules,
      { [id]: "accepted" },
      [],
      "me",
      "2026-12-02T00:00:00Z",
      new Map([[id, choice]]),
    );
    const text = serializeDecisions(file);
    const back = parseDecisions(text, "f");
    expect(recordedWidenings(back)).toEqual([choice]);
    const narrowed = recordDecisions(back, rules, { [id]: "accepted" }, [], "you", "later", new Map([[id, null]]));
    expect(narrowed.decisions[id]?.widen).toBeUndefined();
    expect(narrowed.decisions[id]?.by).toBe("you");
  });

  it.each([
    [
      "a bad CIDR",
      { step: "x", label: "x", beyond: [], target: "t", direction: "ingress", peer: { kind: "external", cidr: "10.0.0.0/99" } },
      "accept",
    ],
    [
      "an unknown peer kind",
      { step: "x", label: "x", beyond: [], target: "t", direction: "ingress", peer: { kind: "everything" } },
      "accept",
    ],
    [
      "a widened rule rejected",
      { step: "x", label: "x", beyond: [], target: "t", direction: "ingress", peer: { kind: "any-pod" } },
      "reject",
    ],
  ])("%s is refused with the rule named", (_, widen, decision) => {
    const text = serializeDecisions({
      decisions: { "r-1": { decision: decision as "accept", workload: "w", rule: "r", by: "b", at: "a", widen: widen as never } },
      skipped: [],
    });
    expect(() => parseDecisions(text, "f.yaml")).toThrow(DecisionsError);
    expect(() => parseDecisions(text, "f.yaml")).toThrow(/f\.yaml: .*r-1/);
  });
});

describe("CI replays a widening", () => {
  const edge = (...clients: string[]) => {
    const c = new Cluster();
    const [ing] = c.deployment("edge", "ingress", { app: "ingress" }, { ports: [tcp(443, "https")] });
    for (const ip of clients) c.row(ing!, "INGRESS", ip, 443);
    return c;
  };

  it("new evidence inside the widened peer asks nothing; evidence outside it still needs a decision", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-widen-"));
    const { lad, policies } = setup(edge("203.0.113.7"));
    const rule = find(policies, "ingress").ingress[0];
    const id = rule?.id as string;
    const choice = choiceOf({ id, target: "edge/Deployment/ingress", direction: "ingress" }, lad.get(id) as RuleLadder, 1, false);
    const rr = reviewRule(id, lad.get(id) as RuleLadder);
    const decisions = path.join(dir, "decisions.yaml");
    await writeFile(
      decisions,
      serializeDecisions(
        recordDecisions({ decisions: {}, skipped: [] }, [rr], { [id]: "accepted" }, [], "me", "now", new Map([[id, choice]])),
      ),
    );
    const run = async (c: Cluster) => {
      const snap = path.join(dir, "snap.json");
      await writeFile(snap, JSON.stringify(c.snapshot()));
      return runCli(["gen", "netpol", "-A", "--from-snapshot", snap, "--decisions", decisions, "--output-dir", "", "--color", "never"], {
        env: { CI: "true" },
      });
    };
    const inside = await run(edge("203.0.113.7", "203.0.113.99"));
    expect(inside.code).toBe(0);
    expect(inside.stderr).not.toMatch(/no decision/);
    expect(inside.stdout.match(/cidr: /g)).toHaveLength(1);
    expect(inside.stdout).toContain("cidr: 203.0.113.0/24");
    expect(inside.stdout).toMatch(/2 connections .*WIDENED by review to 203\.0\.113\.0\/24/);
    // The widened rule stands for the new address even after the first one's rows are gone.
    const later = await run(edge("203.0.113.99"));
    expect(later.code).toBe(0);
    expect(later.stdout).toContain("cidr: 203.0.113.0/24");
    const outside = await run(edge("203.0.113.7", "198.51.100.23"));
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain("1 rule(s) have no decision");
    expect(await readFile(decisions, "utf8")).toContain("widen:");
  });
});
