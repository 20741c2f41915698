// YAML rendering: one document per object, evidence as comments, same bytes for the same input.
import { Document, isNode } from "yaml";
import type { RenderedObject } from "../policy/render.ts";

const OPTIONS = { lineWidth: 0, indentSeq: true } as const;

export function toYaml(r: RenderedObject): string {
  const doc = new Document(r.object, { sortMapEntries: false });
  doc.commentBefore = r.header;
  for (const c of r.comments) {
    const node = doc.getIn(c.path, true);
    // Several rules can share one entry (Cilium groups peers by kind and ports): one line each.
    if (isNode(node)) node.commentBefore = node.commentBefore ? `${node.commentBefore}\n ${c.comment}` : ` ${c.comment}`;
  }
  return doc.toString(OPTIONS);
}

/** A multi-document stream, as `kubectl apply -f -` reads it. */
export function toYamlStream(objects: RenderedObject[]): string {
  return objects.map(toYaml).join("---\n");
}
