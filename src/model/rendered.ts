// A rendered policy: a typed object plus the comments that carry its evidence.

export type YamlPath = (string | number)[];

export interface RenderedObject {
  fileName: string;
  /** Plain Kubernetes object, keys in kubectl's conventional order. */
  object: Record<string, unknown>;
  header: string;
  comments: { path: YamlPath; comment: string }[];
  /** The rules this object carries, by id (for review and reports). */
  ruleIds: string[];
}

export interface RenderContext {
  generator: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "DoesNotExist" }[];
}
