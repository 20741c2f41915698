// The binary replaces re2-wasm (which needs its .wasm file beside it) with RegExp: it must judge the
// schema validators' patterns as RE2 does.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { RE2 as Wasm } from "re2-wasm";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain JS stub for the bundle
import { RE2 as Stub } from "../../scripts/stubs/re2-wasm.js";

const MODELS = ["kubernetes-models", "@kubernetes-models/apimachinery", "@kubernetes-models/cilium"].map((m) =>
  path.resolve(import.meta.dirname, "../../node_modules", m),
);

/** Every RE2 pattern the validators compile (new funcN("…", "u")). */
function patterns(): string[] {
  const out = new Set<string>();
  for (const dir of MODELS)
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !e.name.endsWith(".js")) continue;
      for (const m of readFileSync(path.join(e.parentPath, e.name), "utf8").matchAll(/new func\d*\(("(?:[^"\\]|\\.)*"),"u"\)/g))
        out.add(JSON.parse(m[1] as string));
    }
  return [...out];
}

describe("the bundle's RE2 stand-in", () => {
  const samples = ["", "web", "ünïcödé", "tab\there", "nul\u0000", "bell\u0007", "line\nfeed", "emoji 🙂", "\u200b zero width"];
  it.each(patterns())("%s judges every sample as RE2 does", (p) => {
    const wasm = new Wasm(p, "u");
    const stub = new Stub(p, "u");
    for (const s of samples) expect(stub.test(s), JSON.stringify(s)).toBe(wasm.test(s));
  });

  it("finds the validators' patterns", () => {
    expect(patterns().length).toBeGreaterThan(0);
  });
});
