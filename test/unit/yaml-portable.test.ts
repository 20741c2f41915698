// Output any YAML reader reads the same way: no string a YAML 1.1 reader (PyYAML, Ruby, older yq,
// Ansible) or a 1.2 one would type as a timestamp, boolean, number or null.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { toYamlStream } from "../../src/output/yaml.ts";
import { Cluster } from "../support/builders.ts";
import { gen } from "../support/generate.ts";

const GOLDEN = path.resolve(import.meta.dirname, "../fixtures/golden");

/** Every value Kubernetes (or Cilium) expects as a string: labels, annotations, selector values, Cilium ports. */
function stringFields(o: unknown, at = "", out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(o)) for (const [i, x] of o.entries()) stringFields(x, `${at}[${i}]`, out);
  else if (o && typeof o === "object")
    for (const [k, v] of Object.entries(o)) {
      if (["labels", "annotations", "matchLabels"].includes(k) && v && typeof v === "object")
        for (const [lk, lv] of Object.entries(v)) out.push([`${at}.${k}.${lk}`, lv]);
      else if (k === "values" && Array.isArray(v)) for (const x of v) out.push([`${at}.values`, x]);
      else if (k === "port" && at.includes("toPorts")) out.push([`${at}.port`, v]);
      stringFields(v, `${at}.${k}`, out);
    }
  return out;
}

const read = (text: string, version: "1.1" | "1.2") => parseAllDocuments(text, { version }).map((d) => d.toJS());

describe("YAML that every reader reads the same way", () => {
  const files = readdirSync(GOLDEN).filter((f) => f.endsWith(".yaml"));

  it.each(files)("golden %s: every label, annotation and selector value is a string to a YAML 1.1 reader", (f) => {
    const text = readFileSync(path.join(GOLDEN, f), "utf8");
    const fields = read(text, "1.1").flatMap((d) => stringFields(d));
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.filter(([, v]) => typeof v !== "string")).toEqual([]);
    expect(read(text, "1.1")).toEqual(read(text, "1.2"));
  });

  it("label values that YAML 1.1 types (yes, on, 0755, 1_000, 1e3, null, dates) round-trip as strings", () => {
    const traps = ["yes", "No", "on", "OFF", "y", "0755", "1_000", "0b101", "1e3", "null", "2026-01-02", "0o17", "0x1F", "True"];
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    const pods = traps.map((v, i) => c.deployment("shop", `t${i}`, { app: `t${i}`, flag: v })[0]);
    for (const p of pods) c.connect(p!, web!, 8080);
    for (const type of ["kubernetes", "cilium"] as const) {
      const r = gen(c, { type, scope: { kind: "namespace", namespace: "shop" } });
      const text = toYamlStream(r.objects);
      const want = r.objects.map((o) => o.object);
      expect(read(text, "1.1")).toEqual(want);
      expect(read(text, "1.2")).toEqual(want);
    }
  });
});
