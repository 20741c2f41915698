// YAML rendering: one document per object, evidence as comments, same bytes for the same input.
import { Document, isNode, parse, visit } from "yaml";
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
  for (const c of r.comments) {
    const node = doc.getIn(c.path, true);
    // Several rules can share one entry (Cilium groups peers by kind and ports): one line each.
    if (isNode(node)) node.commentBefore = node.commentBefore ? `${node.commentBefore}\n ${c.comment}` : ` ${c.comment}`;
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
