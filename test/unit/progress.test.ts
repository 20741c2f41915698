// The progress line: on a terminal only, one line redrawn in place, cleared before other output.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/io.ts";
import { progressFor } from "../../src/cli/progress.ts";

function io(tty: boolean): { io: Io; text: () => string } {
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let text = "";
  stderr.on("data", (d) => {
    text += d;
  });
  const stdout = new PassThrough();
  return { io: { stdout, stderr, env: {}, stdinIsTTY: false, cwd: "/" }, text: () => text };
}

describe("progress", () => {
  it("says the phase, pods read of those to read and waits on the broker's budget, then clears its line", async () => {
    const t = io(true);
    let now = 0;
    const p = progressFor(t.io, () => now);
    p.phase("inventory");
    p.phase("traffic");
    now += 500;
    p.pods(1, 3);
    now += 500;
    p.busy(1000);
    now += 500;
    p.pods(3, 3);
    p.clear();
    await new Promise((r) => setImmediate(r));
    const frames = t.text().split("\r\x1b[2K");
    expect(frames).toContain("inventory");
    expect(frames).toContain("traffic: 1/3 pods read");
    expect(frames).toContain("traffic: 1/3 pods read, 1 wait on the broker's read budget");
    expect(frames).toContain("traffic: 3/3 pods read, 1 wait on the broker's read budget");
    expect(t.text().endsWith("\r\x1b[2K")).toBe(true);
    // One instance per run: the loader and the command share the line.
    expect(progressFor(t.io)).toBe(p);
  });

  it("redraws at most ten times a second, apart from phase changes and the last pod", async () => {
    const t = io(true);
    const p = progressFor(t.io, () => 0);
    p.phase("traffic");
    for (let i = 1; i <= 1000; i++) p.pods(i, 1000);
    await new Promise((r) => setImmediate(r));
    expect(t.text().split("\r\x1b[2K").filter(Boolean)).toEqual(["traffic", "traffic: 1000/1000 pods read"]);
  });

  it("writes nothing when stderr is not a terminal", async () => {
    const t = io(false);
    const p = progressFor(t.io);
    p.phase("traffic");
    p.pods(1, 1);
    p.busy(1);
    p.clear();
    await new Promise((r) => setImmediate(r));
    expect(t.text()).toBe("");
  });
});
