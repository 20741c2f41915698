// The shared vocabulary of identities: keys that index workloads and peers, and how every room
// names them to a person (warnings, YAML comments, the review, reports).
import type { HttpRequest, Labels, Peer, PortProto, WorkloadRef } from "./types.ts";

/** "8080/TCP", "8080-8443/TCP". */
export const portText = (p: PortProto): string => `${p.port}${p.endPort ? `-${p.endPort}` : ""}/${p.protocol}`;

export const workloadKey = (w: WorkloadRef): string => `${w.namespace}/${w.kind}/${w.name}`;

/** An HTTP request as a key of the requests seen on a connection (HttpSeen): "METHOD /path". */
export const requestKey = (r: HttpRequest): string => `${r.method} ${r.path}`;

/** A requestKey read back: the method is everything before the first space (a path may hold spaces). */
export function requestOfKey(key: string): HttpRequest {
  const space = key.indexOf(" ");
  return { method: key.slice(0, space), path: key.slice(space + 1) };
}

const keys = new WeakMap<Peer, string>();
export function peerKey(p: Peer): string {
  let k = keys.get(p);
  if (k === undefined) {
    k = computeKey(p);
    keys.set(p, k);
  }
  return k;
}

function computeKey(p: Peer): string {
  switch (p.kind) {
    case "workload":
      return `w:${workloadKey(p.workload)}`;
    case "apiserver":
      return "apiserver";
    case "node":
      return `node:${p.cidr}`;
    case "external":
      return `cidr:${p.cidr}`;
    case "fqdn":
      // By name only: the rule id stays the same when the name's addresses change.
      return `fqdn:${p.names.join(",")}`;
    case "namespace":
      return `ns:${p.namespace}${p.workloads ? `:${p.workloads.map((m) => workloadKey(m.workload)).join(",")}` : ""}`;
    case "any-pod":
      return "any-pod";
  }
}

/** kubectl's selector syntax: `app=web,!tier` (a `!key` must be absent). */
export function fmtLabels(l: Labels, absent: readonly string[] = []): string {
  return [
    ...Object.keys(l)
      .sort()
      .map((k) => `${k}=${l[k]}`),
    ...absent.map((k) => `!${k}`),
  ].join(",");
}

/** "deployment shop/api": how warnings, comments and the review name a workload. */
export const workloadLabel = (w: WorkloadRef) => `${w.kind.toLowerCase()} ${w.namespace}/${w.name}`;

export function describePeer(p: Peer): string {
  switch (p.kind) {
    case "workload":
      return `${workloadLabel(p.workload)}${p.role === "dns" ? " (DNS)" : ""}`;
    case "apiserver":
      return `kube-apiserver ${p.cidrs.join(",")}`;
    case "node":
      return `node ${p.node || "?"} ${p.cidr}`;
    case "external":
      return p.except ? `external ${p.cidr} except ${p.except.join(",")}` : `external ${p.cidr}`;
    case "fqdn":
      return `external ${p.names.join(",")} (${p.cidrs.join(",")})`;
    case "namespace":
      return p.workloads ? `${p.workloads.length} workloads of namespace ${p.namespace}` : `every pod of namespace ${p.namespace}`;
    case "any-pod":
      return "every pod of every namespace";
  }
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
