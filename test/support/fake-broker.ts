// A broker faked only at the HTTP boundary: kguardian's routes, shapes, auth and quirks (200 [] for no
// rows, plain-text 404 "No data found", "Healthy!" on /health), plus injectable faults. `version`
// "1.20" adds that line's limits: scoped tokens (a catalog token cannot read), the newest 20,000 rows
// per pod, and the read budget (KiB charged per route; past it a read waits, then gets 503 Retry-After).
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
  /** Which broker to be (default 1.12). */
  version?: "1.12" | "1.20";
  /** 1.20: token → scopes (read, ingest, supplychain, catalog, admin). */
  tokens?: Record<string, string[]>;
  /** 1.20 read budget: total KiB (default 262,144), the wait before a 503 (default 5,000 ms), how long a read holds its charge. */
  budget?: { totalKiB?: number; waitMs?: number; holdMs?: number };
  /** Answers of /pod/traffic/{name} serialised up front (benchmarks: the fake must not compete for the CPU). */
  trafficBodies?: Map<string, Buffer>;
}

/** What the 1.20 broker charges each read against its budget, KiB (read_budget.rs). */
const CHARGE: [RegExp, number][] = [
  [/^\/pod\/traffic\/.+/, 50_000],
  [/^\/pod\/info$/, 20_000],
  [/^\/svc\/info$/, 4_000],
];

/** The broker's FIFO semaphore in KiB. */
function budget(totalKiB: number) {
  let available = totalKiB;
  const queue: { kib: number; go: () => void }[] = [];
  const pump = () => {
    while (queue.length && (queue[0] as { kib: number }).kib <= available) {
      const next = queue.shift() as { kib: number; go: () => void };
      available -= next.kib;
      next.go();
    }
  };
  return {
    /** Resolves with a release function, or null when `waitMs` passed first. */
    acquire(kib: number, waitMs: number): Promise<(() => void) | null> {
      const need = Math.min(kib, totalKiB);
      const release = () => {
        available += need;
        pump();
      };
      if (queue.length === 0 && need <= available) {
        available -= need;
        return Promise.resolve(release);
      }
      return new Promise((resolve) => {
        const entry = { kib: need, go: () => resolve(release) };
        queue.push(entry);
        setTimeout(() => {
          const i = queue.indexOf(entry);
          if (i >= 0) {
            queue.splice(i, 1);
            resolve(null);
            pump();
          }
        }, waitMs);
      });
    },
  };
}

export interface FakeBroker {
  url: string;
  port: number;
  state: BrokerState;
  /** Requests received, as "GET /path". */
  log: string[];
  /** Reads refused by the 1.20 read budget (503 Retry-After), by path. */
  shed: string[];
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
  const reads = budget(state.budget?.totalKiB ?? 262_144);
  const log: string[] = [];
  const shed: string[] = [];
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

  /** 1.20's authenticate then authorize: 401 for an unknown token, 403 for one without the read scope. */
  const scoped = (req: IncomingMessage, res: ServerResponse): boolean => {
    const token = (req.headers.authorization ?? "").replace(/^[Bb]earer /, "").trim();
    const scopes = state.tokens?.[token];
    if (!scopes) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" }).end("missing or invalid bearer token");
      return false;
    }
    if (!scopes.some((s) => s === "read" || s === "ingest" || s === "supplychain" || s === "admin")) {
      text(res, 403, "token lacks the 'read' scope");
      return false;
    }
    return true;
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://broker");
    const p = decodeURIComponent(url.pathname);
    if (p !== "/health" && state.tokens && !scoped(req, res)) return;
    if (p !== "/health" && state.token) {
      const auth = req.headers.authorization ?? "";
      if (auth.replace(/^Bearer /, "").trim() !== state.token) return text(res, 401, "missing or invalid bearer token");
    }
    if (p === "/health") return state.healthy === false ? text(res, 503, "Database unavailable") : text(res, 200, "Healthy!");
    if (p === "/version")
      return json(res, 200, {
        broker: state.version === "1.20" ? "1.20.1" : "1.7.0",
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
    if (m && state.trafficBodies) {
      const body = state.trafficBodies.get(m[1] as string) ?? Buffer.from("[]");
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
      return;
    }
    // 1.13.1+: the newest 20,000 rows, and no word about the rest.
    if (m) return json(res, 200, state.version === "1.20" ? rowsOf(m[1] as string).slice(0, 20_000) : rowsOf(m[1] as string));
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

  const chargeOf = (path: string) => (state.version === "1.20" ? CHARGE.find(([re]) => re.test(path))?.[1] : undefined);
  const server: Server = createServer((req, res) => {
    // A budgeted read spends its latency holding its charge (the query runs under it): see charged().
    if (state.latencyMs && chargeOf(new URL(req.url ?? "/", "http://broker").pathname) === undefined) {
      setTimeout(() => handle(req, res), state.latencyMs);
      return;
    }
    handle(req, res);
  });
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://broker").pathname;
    log.push(`${req.method} ${path}`);
    const [prefix, f] = [...faults].find(([k]) => path.startsWith(k)) ?? [];
    if (!f || prefix === undefined) return charged(req, res, path);
    if (f.times !== undefined) {
      if (f.times <= 0) return charged(req, res, path);
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
  /** 1.20: a read takes its charge first (waiting in line), holds it while it answers, or is refused. */
  function charged(req: IncomingMessage, res: ServerResponse, path: string): void {
    const kib = chargeOf(path);
    if (kib === undefined) {
      route(req, res);
      return;
    }
    const total = state.budget?.totalKiB ?? 262_144;
    const waitMs = state.budget?.waitMs ?? 5_000;
    void reads.acquire(kib, waitMs).then((release) => {
      if (!release) {
        shed.push(path);
        res
          .writeHead(503, { "content-type": "text/plain", "retry-after": "1" })
          .end(
            `broker read memory budget exhausted: this request needs ${kib} KiB of a ${total} KiB budget and waited ${waitMs} ms without getting it. The request was REFUSED, not truncated — retry, or lower ?limit=. Raise BROKER_READ_MEMORY_BUDGET_MB (and the container memory limit with it) if this is persistent.`,
          );
        return;
      }
      const answer = () => {
        res.on("close", release);
        route(req, res);
      };
      const hold = (state.budget?.holdMs ?? 0) + (state.latencyMs ?? 0);
      if (hold > 0) setTimeout(answer, hold);
      else answer();
    });
  }

  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    log,
    shed,
    fault: (prefix, f) => faults.set(prefix, { ...f }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
