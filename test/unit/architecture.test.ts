// The house (docs/architecture.md): rooms meet only along the allowed arrows, and every room can be
// read in one sitting.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ARROWS, longFunctions, MAX_FILE_LINES, roomOf, SRC, sourceFiles, wrongArrows } from "../support/rooms.ts";

const files = sourceFiles();

describe("the house", () => {
  it("every file lives in a room the arrows name", () => {
    expect(files.filter((f) => !(roomOf(f) in ARROWS))).toEqual([]);
  });

  it("imports follow the allowed arrows only", () => {
    expect(wrongArrows(files)).toEqual([]);
  });

  it("a wrong import fails the rule (verify importing policy, policy importing resolve)", () => {
    const planted: Record<string, string> = {
      "verify/replay.ts": 'import { ruleId } from "../policy/rules.ts";\n',
      "policy/rules.ts": 'const m = await import("../resolve/resolve.ts");\n',
      "review/items.ts": 'export { generate } from "../pipeline/generate.ts";\n',
    };
    expect(wrongArrows(Object.keys(planted), (f) => planted[f] as string)).toEqual([
      "verify/replay.ts imports policy/rules.ts (verify → policy is not an allowed arrow)",
      "policy/rules.ts imports resolve/resolve.ts (policy → resolve is not an allowed arrow)",
      "review/items.ts imports pipeline/generate.ts (review → pipeline is not an allowed arrow)",
    ]);
  });

  it(`no file is longer than ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((f) => [f, readFileSync(path.join(SRC, f), "utf8").split("\n").length - 1] as const)
      .filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it("no function is longer than 80 lines", () => {
    expect(files.flatMap((f) => longFunctions(f))).toEqual([]);
  });
});
