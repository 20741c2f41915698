// A broker faked only at the HTTP boundary: kguardian's routes, shapes, auth and quirks (200 [] for no
// rows, plain-text 404 "No data found", "Healthy!" on /health), plus injectable faults.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { PodDetailWire, PodTrafficWire, SvcDetailWire } from "../../src/sources/broker/schema.ts";

export interface Fault {
  /** Answer with this status (and body) instead. */
  status?: number;
  body?: string;
  /** Hold the answer this long, ms. */
  delayMs?: number;
  /** Close the connection mid-body. */
  reset?: boolean;
  /** How many requests the fault applies to (default: all). */
  times?: number;
}

export interface BrokerState {
  pods: PodDetailWire[];
  services: SvcDetailWire[];
  traffic: PodTrafficWire[];
  token?: string;
  healthy?: boolean;
  /** Added to every answer, as a broker across a network would be (benchmarks). */
  latencyMs?: number;
}

export interface FakeBroker {
  url: string;
  port: number;
  state: BrokerState;
  /** Requests received, as "GET /path". */
  log: string[];
  fault(routePrefix: string, f: Fault): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
};
const text = (res: ServerResponse, status: number, body: string) => res.writeHead(status, { "content-type": "text/plain" }).end(body);
const desc = (a: { time_stamp: string }, b: { time_stamp: string }) =>
  a.time_stamp < b.time_stamp ? 1 : a.time_stamp > b.time_stamp ? -1 : 0;

export async function startFakeBroker(state: BrokerState, host = "127.0.0.1"): Promise<FakeBroker> {
  const faults = new Map<string, Fault>();
  const log: string[] = [];
  // Rows by pod name, rebuilt when the rows change: a million rows are not scanned per request.
  let indexed: { rows: PodTrafficWire[]; length: number; byPod: Map<string, PodTrafficWire[]> } | null = null;
  const rowsOf = (pod: string) => {
    if (!indexed || indexed.rows !== state.traffic || indexed.length !== state.traffic.length) {
      const byPod = new Map<string, PodTrafficWire[]>();
      for (const r of state.traffic) {
        const list = byPod.get(r.pod_name ?? "") ?? [];
        list.push(r);
        byPod.set(r.pod_name ?? "", list);
      }
      for (const list of byPod.values()) list.sort(desc);
      indexed = { rows: state.traffic, length: state.traffic.length, byPod };
    }
    return indexed.byPod.get(pod) ?? [];
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://broker");
    const p = decodeURIComponent(url.pathname);
    if (p !== "/health" && state.token) {
      const auth = req.headers.authorization ?? "";
      if (auth.replace(/^Bearer /, "").trim() !== state.token) return text(res, 401, "missing or invalid bearer token");
    }
    if (p === "/health") return state.healthy === false ? text(res, 503, "Database unavailable") : text(res, 200, "Healthy!");
    if (p === "/version")
      return json(res, 200, {
        broker: "1.7.0",
        chart: "unknown",
        telemetry_enabled: false,
        latest: null,
        checked_at: null,
        update_available: false,
      });
    if (p === "/pod/info")
      return json(
        res,
        200,
        [...state.pods].sort((a, b) => `${a.pod_namespace}/${a.pod_name}`.localeCompare(`${b.pod_namespace}/${b.pod_name}`)),
      );
    if (p === "/svc/info") return json(res, 200, state.services);
    if (p === "/pod/traffic") {
      const limit = Math.min(20000, Math.max(1, Number(url.searchParams.get("limit") ?? 5000)));
      return json(res, 200, [...state.traffic].sort(desc).slice(0, limit));
    }
    let m = /^\/pod\/traffic\/(.+)$/.exec(p);
    if (m) return json(res, 200, rowsOf(m[1] as string));
    m = /^\/pod\/(ip|name)\/(.+)$/.exec(p);
    if (m) {
      const hit = state.pods.find((x) => (m?.[1] === "ip" ? x.pod_ip : x.pod_name) === m?.[2]);
      return hit ? json(res, 200, hit) : text(res, 404, "No data found");
    }
    m = /^\/svc\/ip\/(.+)$/.exec(p);
    if (m) {
      const hit = state.services.find((x) => x.svc_ip === m?.[1]);
      return hit ? json(res, 200, hit) : text(res, 404, "No data found");
    }
    return text(res, 404, "Not Found");
  };

  const server: Server = createServer((req, res) => {
    if (state.latencyMs) {
      setTimeout(() => handle(req, res), state.latencyMs);
      return;
    }
    handle(req, res);
  });
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://broker").pathname;
    log.push(`${req.method} ${path}`);
    const [prefix, f] = [...faults].find(([k]) => path.startsWith(k)) ?? [];
    if (!f || prefix === undefined) return route(req, res);
    if (f.times !== undefined) {
      if (f.times <= 0) return route(req, res);
      f.times--;
    }
    const act = () => {
      if (f.reset) {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100000" });
        res.write('[{"uuid":"x"');
        res.socket?.destroy();
        return;
      }
      if (f.status) return text(res, f.status, f.body ?? "fault");
      route(req, res);
    };
    if (f.delayMs) setTimeout(act, f.delayMs);
    else act();
  };
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    log,
    fault: (prefix, f) => faults.set(prefix, { ...f }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
