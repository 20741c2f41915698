// YAML rendering: one document per object, evidence as comments, same bytes for the same input; and
// where each rule's lines are, read from the document's own node ranges.
import { Document, isNode, type Node, parse, parseDocument, visit } from "yaml";
import type { RenderedObject } from "../model/rendered.ts";

const OPTIONS = { lineWidth: 0, indentSeq: true } as const;

// Plain scalars that a YAML 1.1 reader (PyYAML, Ruby, older yq, Ansible) or a YAML 1.2 one would type
// as something else (a timestamp, yes/no/on/off, 0755, 12:30, 0o17, ~): only these can start so.
const MAY_BE_TYPED = /^[-+.0-9~nNyYtTfFoO]/;
const typed = new Map<string, boolean>();

function readAsNonString(s: string): boolean {
  if (!MAY_BE_TYPED.test(s)) return false;
  let hit = typed.get(s);
  if (hit === undefined) {
    hit = (["1.1", "1.2"] as const).some((version) => {
      try {
        return typeof parse(s, { version }) !== "string";
      } catch {
        return false;
      }
    });
    typed.set(s, hit);
  }
  return hit;
}

export function toYaml(r: RenderedObject): string {
  const doc = new Document(r.object, { sortMapEntries: false });
  doc.commentBefore = r.header;
  for (const rule of r.rules) {
    const first = rule.paths[0];
    const node = first && doc.getIn(first, true);
    // Several rules can share one entry (Cilium groups peers by kind and ports): one line each.
    if (isNode(node)) node.commentBefore = node.commentBefore ? `${node.commentBefore}\n ${rule.comment}` : ` ${rule.comment}`;
  }
  // Every string reads as a string to every reader: quote those a reader of either version would type.
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && readAsNonString(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString(OPTIONS);
}

/** A multi-document stream, as `kubectl apply -f -` reads it. */
export function toYamlStream(objects: RenderedObject[]): string {
  return objects.map(toYaml).join("---\n");
}

/** Zero-based, inclusive line ranges of each rule in `text` (toYaml's output): its comment and its nodes. */
export function ruleLines(r: RenderedObject, text: string): Map<string, [number, number][]> {
  const doc = parseDocument(text);
  const lines = text.split("\n");
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const out = new Map<string, [number, number][]>();
  for (const rule of r.rules) {
    const ranges: [number, number][] = [];
    for (const path of rule.paths) {
      const node = doc.getIn(path, true) as Node | undefined;
      if (!isNode(node) || !node.range) continue;
      // Its comments sit on the lines right above the node (the parser files the first item's with its sequence).
      let from = lineOf(node.range[0]);
      while (from > 0 && lines[from - 1]?.trimStart().startsWith("#")) from--;
      ranges.push([from, lineOf(Math.max(node.range[0], node.range[2] - 1))]);
    }
    out.set(rule.id, ranges);
  }
  return out;
}
