// Cilium path rules from the HTTP requests seen on one port of a rule. Pure and conservative: a rule
// is exact where the traffic is; only segments that are plainly identifiers (all digits, UUIDs, long
// hex) become a pattern for that segment, siblings collapse only past SIBLINGS, the first segment never
// generalises, and a port with one request that cannot be written exactly gets no path rules at all
// (the L4 rule alone admits every request; path rules that missed one would cut it).
import { createHash } from "node:crypto";
import { requestOfKey } from "../model/keys.ts";
import type { HttpRule, HttpSeen, HttpUnexpressed } from "../model/types.ts";

/** More distinct literal values than this at one position under one prefix collapse to one segment pattern. */
export const SIBLINGS = 50;

const METHOD = /^[A-Z]{1,20}$/;
const DIGITS = /^[0-9]+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const LONG_HEX = /^[0-9a-fA-F]{16,}$/;
// Printable ASCII only: anything else in a :path would need an escape Envoy might read otherwise.
const PRINTABLE = /^[\x21-\x7e]*$/;

const PATTERN = {
  digits: "[0-9]+",
  uuid: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
  hex: "[0-9a-fA-F]{16,}",
  any: "[^/?]+",
} as const;
type Kind = keyof typeof PATTERN;

/** RE2 metacharacters escaped, so that a literal segment matches itself only. */
const literal = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

const kindOf = (seg: string): Kind | null => (DIGITS.test(seg) ? "digits" : UUID.test(seg) ? "uuid" : LONG_HEX.test(seg) ? "hex" : null);

interface Parsed {
  method: string;
  segments: string[];
  query: boolean;
  path: string;
  count: number;
}

function parse(key: string, count: number): Parsed | string {
  const { method, path } = requestOfKey(key);
  if (!METHOD.test(method)) return `a request with method "${method.slice(0, 20).replace(/[^\x20-\x7e]/g, "?")}"`;
  if (!path.startsWith("/") || !PRINTABLE.test(path))
    return "a request whose path could not be read, or held characters a path rule cannot match exactly";
  const q = path.indexOf("?");
  const pathname = q < 0 ? path : path.slice(0, q);
  return { method, segments: pathname.split("/").slice(1), query: q >= 0, path, count };
}

/** A segment of a path rule: its regex, and whether it stands for more than the observed text. */
interface Segment {
  re: string;
  general: boolean;
}

/** Segment patterns per request: identifiers generalised, then crowded siblings collapsed (never the first). */
function patterns(reqs: Parsed[]): Segment[][] {
  const out = reqs.map((r) =>
    r.segments.map((seg, i): Segment => {
      const kind = i === 0 ? null : kindOf(seg);
      return kind ? { re: PATTERN[kind], general: true } : { re: literal(seg), general: false };
    }),
  );
  // gRPC (/pkg.Service/Method) names methods, never identifiers: kept exact.
  const grpc = (r: Parsed) => r.segments.length === 2 && (r.segments[0] ?? "").includes(".");
  // Literal values per method, position and the pattern of the segments before it.
  const keyOf = (ri: number, segs: Segment[], i: number) =>
    `${reqs[ri]?.method} ${i} ${segs
      .slice(0, i)
      .map((s) => s.re)
      .join("/")}`;
  const siblings = new Map<string, Set<string>>();
  out.forEach((segs, ri) => {
    if (grpc(reqs[ri] as Parsed)) return;
    segs.forEach((seg, i) => {
      if (i === 0 || seg.general) return;
      const k = keyOf(ri, segs, i);
      siblings.set(k, (siblings.get(k) ?? new Set()).add(seg.re));
    });
  });
  return out.map((segs, ri) =>
    segs.map((seg, i) => (i > 0 && (siblings.get(keyOf(ri, segs, i))?.size ?? 0) > SIBLINGS ? { re: PATTERN.any, general: true } : seg)),
  );
}

const idOf = (ruleId: string, port: number, method: string, path: string) =>
  `h-${createHash("sha256")
    .update(JSON.stringify([ruleId, port, method, path]))
    .digest("hex")
    .slice(0, 12)}`;

/** The path rules of one port, or why it gets none. */
export function httpRules(ruleId: string, port: number, seen: HttpSeen): { rules: HttpRule[] } | { unexpressed: HttpUnexpressed } {
  const reqs: Parsed[] = [];
  for (const [key, count] of [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const p = parse(key, count);
    if (typeof p === "string") return { unexpressed: { port, reason: `${p} was seen: every request on the port stays allowed` } };
    reqs.push(p);
  }
  const byPattern = new Map<string, { method: string; path: string; observed: string[]; requests: number; generalised: boolean }>();
  patterns(reqs).forEach((segs, i) => {
    const r = reqs[i] as Parsed;
    // A query string is part of :path: admitted after a pattern only when one was seen with it.
    const path = `^/${segs.map((s) => s.re).join("/")}${r.query ? "(\\?.*)?" : ""}$`;
    const k = `${r.method} ${path}`;
    const hit = byPattern.get(k) ?? { method: r.method, path, observed: [], requests: 0, generalised: segs.some((s) => s.general) };
    byPattern.set(k, hit);
    hit.observed.push(r.path);
    hit.requests += r.count;
  });
  // A pattern seen with and without a query string: the one with the query part admits both.
  for (const [k, x] of byPattern) {
    const twin = byPattern.get(`${k.slice(0, -1)}(\\?.*)?$`);
    if (!k.endsWith("(\\?.*)?$") && twin) {
      twin.observed.push(...x.observed);
      twin.requests += x.requests;
      byPattern.delete(k);
    }
  }
  const rules = [...byPattern.values()].map((x) => ({
    id: idOf(ruleId, port, x.method, x.path),
    port,
    method: x.method,
    path: x.path,
    observed: [...new Set(x.observed)].sort(),
    requests: x.requests,
    ...(x.generalised ? { generalised: `identifier segments (digits, UUIDs, long hex) or more than ${SIBLINGS} siblings` } : {}),
  }));
  return { rules: rules.sort((a, b) => (a.method + a.path < b.method + b.path ? -1 : 1)) };
}
