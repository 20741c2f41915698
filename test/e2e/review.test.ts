// The review TUI of the built binary, driven in tmux: keys in with send-keys, the screen read with capture-pane.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { requireBinary } from "../support/binary.ts";

const session = `guardian-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-J", "-t", session); // -J joins wrapped lines

/** Polls the screen (or a condition) until it holds: the program answers asynchronously. */
async function waitFor(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
}
const onScreen = (text: string) => waitFor(`"${text}"`, () => screen().includes(text));
async function keys(...ks: string[]) {
  for (const k of ks) tmux("send-keys", "-t", session, k);
}

let bin: string;
let dir: string;
beforeAll(async () => {
  bin = requireBinary();
  dir = await mkdtemp(path.join(tmpdir(), "guardian-tui-"));
});
afterAll(() => {
  try {
    tmux("kill-session", "-t", session);
  } catch {
    /* already gone */
  }
});

function start(exitFile: string, outputDir = "network-policies", namespace = "shop", size = ["100", "30"]) {
  try {
    tmux("kill-session", "-t", session);
  } catch {
    /* none yet */
  }
  // A shell in a fixed-size terminal; the command is typed into it, so the pane outlives the program.
  // The exit code lands by rename: `>` creates the file empty before echo fills it.
  // No CI variable, so the review opens.
  tmux(
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    size[0] as string,
    "-y",
    size[1] as string,
    "-e",
    "TERM=xterm-256color",
    "-e",
    "PS1=$ ",
    "bash --norc --noprofile",
  );
  tmux(
    "send-keys",
    "-t",
    session,
    `cd ${dir} && env -u CI ${bin} gen netpol --all -n ${namespace} --demo --output-dir ${outputDir}; echo $? > ${exitFile}.part && mv ${exitFile}.part ${exitFile}`,
    "Enter",
  );
}

const ruleIds = (text: string) => [...text.matchAll(/# (r-[0-9a-f]{12}):/g)].map((m) => m[1] as string).sort();

describe("review in a terminal", () => {
  it("accepts and rejects rule by rule, writes only the accepted rules, records the decisions", async () => {
    const exit = path.join(dir, "exit-1");
    start(exit);
    await onScreen("✓ 0  ✗ 0  ? 12");
    // Redraws on resize: a narrow terminal stacks the detail under the list, a wide one puts it beside.
    tmux("resize-window", "-t", session, "-x", "80", "-y", "24");
    await waitFor("the stacked layout", () => screen().includes("─".repeat(60)));
    tmux("resize-window", "-t", session, "-x", "140", "-y", "30");
    await waitFor("the side-by-side layout", () => /deployment shop\/api\s{5,}deployment shop\/api: egress to/.test(screen()));
    await keys("a");
    await onScreen("✓ 1  ✗ 0  ? 11");
    await keys("r");
    await onScreen("✓ 1  ✗ 1  ? 10");
    for (let i = 0; i < 10; i++) await keys("a");
    await onScreen("✓ 11  ✗ 1  ? 0");
    await keys("w");
    await onScreen("Write 11 accepted rule(s)? y/n");
    await keys("y");
    await waitFor("the run to end", () => existsSync(exit));
    // The rejected rule's traffic was observed: what is written denies it, and the run says so (exit 4).
    expect(readFileSync(exit, "utf8").trim()).toBe("4");
    expect(screen()).toMatch(/warning: observed .* would be denied/);

    const out = path.join(dir, "network-policies");
    const decisions = parse(readFileSync(path.join(out, "guardian-decisions.yaml"), "utf8"));
    const accepted = Object.entries(decisions.decisions as Record<string, { decision: string }>)
      .filter(([, d]) => d.decision === "accept")
      .map(([id]) => id)
      .sort();
    const rejected = Object.entries(decisions.decisions as Record<string, { decision: string }>)
      .filter(([, d]) => d.decision === "reject")
      .map(([id]) => id);
    expect(accepted).toHaveLength(11);
    expect(rejected).toHaveLength(1);
    const written = readdirSync(out)
      .filter((f) => f.endsWith("-networkpolicy.yaml"))
      .flatMap((f) => ruleIds(readFileSync(path.join(out, f), "utf8")))
      .sort();
    expect(written).toEqual(accepted);
    // The summary is on the normal screen once the review's alternate screen is gone.
    expect(screen()).toContain("decisions saved to network-policies/guardian-decisions.yaml");
  });

  it("Ctrl-C in the review writes nothing and exits 130", async () => {
    const exit = path.join(dir, "exit-ctrl-c");
    const other = path.join(dir, "fresh");
    start(exit, other);
    await onScreen("✓ 0  ✗ 0  ? 12");
    tmux("send-keys", "-t", session, "C-c");
    await waitFor("the run to end", () => existsSync(exit));
    expect(readFileSync(exit, "utf8").trim()).toBe("130");
    expect(existsSync(path.join(other, "guardian-decisions.yaml"))).toBe(false);
  });

  it("a re-run with the decisions file opens nothing and changes nothing", async () => {
    const exit = path.join(dir, "exit-2");
    start(exit);
    await waitFor("the run to end", () => existsSync(exit));
    // The same decisions, the same written set: its flows are still denied.
    expect(readFileSync(exit, "utf8").trim()).toBe("4");
    const s = screen();
    expect(s).not.toContain("kubectl-guardian review");
    expect(s).toContain("3 file(s) unchanged");
    expect(s).toContain("12 rule(s) recorded, 0 new");
  });

  it("widens the ingress controller's internet rule on purpose, shows what it admits, writes and records it", async () => {
    const exit = path.join(dir, "exit-widen");
    // Wide enough that the detail pane's lines are not cut.
    start(exit, "widened", "ingress-nginx", ["180", "40"]);
    await onScreen("kubectl-guardian review");
    // The data's suggestion is on the rule before anything is chosen.
    await keys("/", "203.0.113.7", "Enter");
    await onScreen("external 203.0.113.7/32");
    await onScreen("S:      any IPv4 address outside the cluster (suggested)");
    await onScreen("because 2 distinct public addresses reached port 443/TCP");
    await onScreen("+ next: 203.0.113.0/24");
    await keys("+");
    await onScreen("now:    203.0.113.0/24 (widened by you)");
    await onScreen("admits 256 addresses, 1 of them observed on these ports");
    await keys("-");
    await onScreen("now:    exact: what was observed");
    await keys("S");
    await onScreen("now:    any IPv4 address outside the cluster (widened by you)");
    await keys("Escape", "A");
    await onScreen("? 0");
    await keys("w");
    await onScreen("accepted rule(s)? y/n");
    await keys("y");
    await waitFor("the run to end", () => existsSync(exit));
    expect(readFileSync(exit, "utf8").trim()).toBe("0");
    const out = path.join(dir, "widened");
    const policy = readFileSync(path.join(out, "ingress-nginx-ingress-nginx-controller-networkpolicy.yaml"), "utf8");
    expect(policy).toContain("cidr: 0.0.0.0/0");
    expect(policy).toMatch(/WIDENED by review to any IPv4 address outside the cluster/);
    // The other client's /32 is inside the widened rule: no rule of its own.
    expect(policy).not.toContain("198.51.100.23/32");
    const decisions = parse(readFileSync(path.join(out, "guardian-decisions.yaml"), "utf8")) as {
      decisions: Record<string, { widen?: { step: string; peer: { cidr: string } } }>;
    };
    const widened = Object.values(decisions.decisions).filter((d) => d.widen);
    expect(widened.map((d) => [d.widen?.step, d.widen?.peer.cidr])).toEqual([["internet", "0.0.0.0/0"]]);
  });
});
