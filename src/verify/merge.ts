// Live policies with proposed ones laid over them. Pure.
import type { CiliumPolicyLike, NetworkPolicyLike } from "./evaluate.ts";

export type AnyPolicy = (NetworkPolicyLike | CiliumPolicyLike) & { kind?: string; apiVersion?: string };

const key = (p: AnyPolicy) => `${p.kind ?? "NetworkPolicy"}/${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`;

/** Live ∪ proposed; a proposed object replaces the live one it would overwrite. */
export function mergePolicies(live: AnyPolicy[], proposed: AnyPolicy[]): AnyPolicy[] {
  const out = new Map(live.map((p) => [key(p), p]));
  for (const p of proposed) out.set(key(p), p);
  return [...out.values()];
}
