// HTTP client of the kguardian broker: timeouts, retries with backoff for resets and 5xx, a body cap,
// and schema validation of every answer. The token is sent, never printed.
import { Agent as HttpAgent, get as httpGetRaw, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, get as httpsGet } from "node:https";
import type { BrokerPod, BrokerService, TrafficRow } from "../../model/types.ts";
import {
  normalisePod,
  normaliseService,
  normaliseTraffic,
  type Parsed,
  PodDetailWire,
  parseEach,
  SvcDetailWire,
  TrafficRowCheck,
} from "./schema.ts";

export interface BrokerOptions {
  baseUrl: string;
  token?: string;
  /** Per request, ms. */
  timeoutMs: number;
  /** Further attempts after a reset, timeout or 5xx. */
  retries: number;
  /** Largest body accepted, bytes. */
  maxBodyBytes: number;
  /** Waits between attempts; injectable so tests do not wait. */
  backoff?: (attempt: number) => Promise<void>;
  /** Request-level log for --verbose; never given the token. */
  log?: (line: string) => void;
  /** Told of each wait on a busy broker (progress). */
  onBusy?: (route: string, waitMs: number) => void;
  /** Waits on a busy broker; injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

export type BrokerErrorKind =
  | "unreachable"
  | "timeout"
  | "unauthorized"
  | "forbidden"
  | "unhealthy"
  | "busy"
  | "status"
  | "malformed"
  | "too-large";

export class BrokerError extends Error {
  readonly kind: BrokerErrorKind;
  readonly route: string;
  constructor(kind: BrokerErrorKind, route: string, message: string) {
    super(message);
    this.kind = kind;
    this.route = route;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A 503 that asks to retry (Retry-After, or the busy bodies of the 1.20 broker): how long, ms. */
function busyWait(res: Answer, body: string): number | null {
  if (res.status !== 503) return null;
  const header = res.headers["retry-after"];
  const after = Number(header);
  const busy = /read memory budget exhausted|database busy/.test(body);
  if (!busy && header === undefined) return null;
  if (Number.isFinite(after) && after > 0) return after * 1000;
  const said = /retry after (\d+) s/.exec(body);
  return said ? Number(said[1]) * 1000 : 1000;
}

const defaultBackoff = (attempt: number) => new Promise<void>((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));

export class BrokerClient {
  readonly requests = { count: 0 };
  /** Waits on a busy broker (read budget, statement timeout). */
  readonly busy = { count: 0 };
  private readonly o: BrokerOptions;
  constructor(o: BrokerOptions) {
    this.o = { ...o, baseUrl: o.baseUrl.replace(/\/+$/, "") };
  }

  /** GET with retries; returns status and text. 4xx are answers, not failures to retry. */
  private async get(route: string): Promise<{ status: number; body: string }> {
    const url = `${this.o.baseUrl}${route}`;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.o.token) headers.Authorization = `Bearer ${this.o.token}`;
    let last: BrokerError | null = null;
    // A busy broker (1.16+: read budget exhausted, statement timeout) says when to come back; it is
    // waited for within the request timeout, apart from the retries for faults.
    const deadline = Date.now() + this.o.timeoutMs;
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      if (attempt > 0) await (this.o.backoff ?? defaultBackoff)(attempt - 1);
      this.requests.count++;
      const started = Date.now();
      try {
        const res = await httpGet(url, headers, Math.max(1, deadline - started), this.o.maxBodyBytes, route);
        const body = res.body;
        this.o.log?.(`GET ${route} ${res.status} ${body.length}B ${Date.now() - started}ms`);
        const wait = busyWait(res, body);
        if (wait !== null) {
          if (Date.now() + wait >= deadline) {
            last = new BrokerError("busy", route, `the broker stayed busy for ${route} (${firstLine(body)}) beyond --request-timeout`);
            break;
          }
          this.busy.count++;
          this.o.onBusy?.(route, wait);
          await (this.o.sleep ?? sleep)(wait);
          attempt--;
          continue;
        }
        if (res.status >= 500 && res.status !== 503) {
          last = new BrokerError("status", route, `broker answered ${res.status} for ${route}: ${firstLine(body)}`);
          continue;
        }
        return { status: res.status, body };
      } catch (e) {
        if (e instanceof BrokerError) throw e;
        const err = e as Error & { code?: string };
        const why = err.code ?? err.message;
        this.o.log?.(`GET ${route} failed: ${err.name} ${why}`);
        last =
          err.name === "TimeoutError"
            ? new BrokerError(
                "timeout",
                route,
                `broker did not answer ${route} within ${this.o.timeoutMs / 1000} s (raise --request-timeout)`,
              )
            : new BrokerError("unreachable", route, `cannot reach the broker at ${this.o.baseUrl} (${why})`);
      }
    }
    throw last as BrokerError;
  }

  private async getJsonArray<W, T>(
    route: string,
    schema: Parameters<typeof parseEach<W, T>>[0],
    normalise: (w: W) => T | null,
  ): Promise<Parsed<T>> {
    const { status, body } = await this.get(route);
    this.check(route, status, body);
    return parseListBody(route, body, schema, normalise);
  }

  private check(route: string, status: number, body: string): void {
    if (status === 200) return;
    if (status === 401) {
      throw new BrokerError(
        "unauthorized",
        route,
        this.o.token
          ? `the broker rejected the bearer token (401 for ${route}); check --broker-token or BROKER_AUTH_TOKEN`
          : `the broker requires a token (401 for ${route}); pass --broker-token or set BROKER_AUTH_TOKEN`,
      );
    }
    if (status === 403)
      throw new BrokerError(
        "forbidden",
        route,
        `the broker refused the token for ${route} (403: ${firstLine(body)}); reads need a token with the 'read' scope (BROKER_TOKEN_READ, or ingest, supplychain, admin — not catalog)`,
      );
    if (status === 503)
      throw new BrokerError("unhealthy", route, `the broker is unhealthy (503 for ${route}: ${firstLine(body)}); check its database`);
    throw new BrokerError("status", route, `broker answered ${status} for ${route}: ${firstLine(body)}`);
  }

  async health(): Promise<void> {
    const { status, body } = await this.get("/health");
    this.check("/health", status, body);
  }

  podInfo(): Promise<Parsed<BrokerPod>> {
    return this.getJsonArray("/pod/info", PodDetailWire, normalisePod);
  }

  svcInfo(): Promise<Parsed<BrokerService>> {
    return this.getJsonArray("/svc/info", SvcDetailWire, normaliseService);
  }

  /** Rows for a pod name across all namespaces (the broker keys traffic by name only). */
  async podTraffic(podName: string): Promise<Parsed<TrafficRow>> {
    return parseTraffic(await this.podTrafficBody(podName));
  }

  /** A pod's traffic answer read and status-checked, not yet parsed: the next read can start first. */
  async podTrafficBody(podName: string): Promise<TrafficBody> {
    const route = `/pod/traffic/${encodeURIComponent(podName)}`;
    const { status, body } = await this.get(route);
    this.check(route, status, body);
    return { route, body };
  }
}

export interface TrafficBody {
  route: string;
  body: string;
}

export const parseTraffic = (a: TrafficBody): Parsed<TrafficRow> => parseListBody(a.route, a.body, TrafficRowCheck, normaliseTraffic);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

// Kept-alive connections: a run makes one request per pod, thousands of them.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** One GET with node's http client (cheaper per request than fetch), its body capped at `max` bytes. */
function httpGet(url: string, headers: Record<string, string>, timeoutMs: number, max: number, route: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const tls = url.startsWith("https:");
    const req = (tls ? httpsGet : httpGetRaw)(url, { headers, agent: tls ? agents.https : agents.http }, (res) => {
      const declared = Number(res.headers["content-length"] ?? "0");
      if (declared > max) {
        clearTimeout(timer);
        res.destroy();
        reject(new BrokerError("too-large", route, `broker answer for ${route} is ${declared} bytes, over the ${max}-byte limit`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          clearTimeout(timer);
          res.destroy();
          reject(new BrokerError("too-large", route, `broker answer for ${route} is over the ${max}-byte limit`));
        } else chunks.push(chunk);
      });
      res.on("end", () => {
        clearTimeout(timer);
        if (!res.complete) reject(Object.assign(new Error("the connection closed mid-answer"), { code: "ECONNRESET" }));
        else resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error("timed out"), { name: "TimeoutError" })), timeoutMs);
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

// Printable and short: a hostile body must not put control characters on the user's terminal.
const firstLine = (s: string) => (s.split("\n")[0] ?? "").slice(0, 200).replace(/[^\x20-\x7e]/g, "?");

/** A list answer: JSON, an array, each element validated (malformed ones counted, not fatal). */
export function parseListBody<W, T>(
  route: string,
  body: string,
  schema: Parameters<typeof parseEach<W, T>>[0],
  normalise: (w: W) => T | null,
): Parsed<T> {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new BrokerError("malformed", route, `broker answered ${route} with a body that is not JSON: ${firstLine(body)}`);
  }
  if (!Array.isArray(doc))
    throw new BrokerError("malformed", route, `broker answered ${route} with ${doc === null ? "null" : typeof doc}, not a list`);
  return parseEach(schema, doc, normalise);
}
