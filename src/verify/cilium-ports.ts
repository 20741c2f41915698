// The L4 and L7 part of a Cilium rule: its toPorts, and the HTTP rules under them. Pure.
import type { ContainerPort, HttpRequest } from "../model/types.ts";

export interface CiliumToPorts {
  ports?: { port?: string; endPort?: number; protocol?: string }[];
  rules?: { http?: { method?: string; path?: string }[] };
}

const compiled = new Map<string, RegExp | null>();
/** Envoy matches method and path against the whole value (RE2 full match); a pattern JS cannot read matches nothing. */
function fullMatch(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined || pattern === "") return true;
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = null;
    }
    compiled.set(pattern, re);
  }
  return re?.test(value) === true;
}

/**
 * Whether an entry of toPorts admits the port (and the request, when one is judged): an entry with
 * HTTP rules admits only requests one of them matches; without, every request on the port.
 */
export function toPortsAdmit(
  toPorts: CiliumToPorts[] | undefined,
  port: number,
  protocol: string,
  targetPorts: ContainerPort[] | undefined,
  request?: HttpRequest,
): boolean {
  if (!toPorts?.length) return true;
  return toPorts.some((tp) => {
    const l4 =
      !tp.ports?.length ||
      tp.ports.some((p) => {
        const proto = p.protocol ?? "ANY";
        if (proto !== "ANY" && proto !== protocol) return false;
        if (p.port === undefined || p.port === "0") return true;
        const n = /^\d+$/.test(p.port) ? Number(p.port) : targetPorts?.find((c) => c.name === p.port)?.port;
        if (n === undefined) return false;
        return p.endPort ? port >= n && port <= p.endPort : port === n;
      });
    if (!l4 || !request || !tp.rules?.http?.length) return l4;
    return tp.rules.http.some((h) => fullMatch(h.method, request.method) && fullMatch(h.path, request.path));
  });
}
