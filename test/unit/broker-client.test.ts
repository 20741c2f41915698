import { afterEach, describe, expect, it } from "vitest";
import { BrokerClient, BrokerError } from "../../src/sources/broker/client.ts";
import { fetchBrokerData } from "../../src/sources/broker/fetch.ts";
import { mapLimit, readLimit } from "../../src/sources/broker/limit.ts";
import { Cluster } from "../support/builders.ts";
import { type FakeBroker, startFakeBroker } from "../support/fake-broker.ts";

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

function world() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" });
  const [api] = c.deployment("shop", "api", { app: "api" });
  const [other] = c.deployment("staging", "web", { app: "web" }, { hash: "5d8f7c9b4" });
  c.connect(web!, api!, 8080, { times: 2 }).row(other!, "EGRESS", "1.1.1.1", 443);
  c.row(web!, "EGRESS", "10.0.0.1", 80, { decision: "DROP" });
  return c;
}

const client = (b: FakeBroker, o: Partial<ConstructorParameters<typeof BrokerClient>[0]> = {}) =>
  new BrokerClient({ baseUrl: b.url, timeoutMs: 2000, retries: 2, maxBodyBytes: 1 << 20, backoff: async () => {}, ...o });

describe("broker client", () => {
  it("reads pods, services and one pod's rows, validating every record", async () => {
    const c = world();
    broker = await startFakeBroker({ ...c.wire });
    const b = client(broker);
    expect((await b.podInfo()).items.map((p) => p.name)).toContain("web-5d8f7c9b4-axk2p");
    expect((await b.svcInfo()).items).toEqual([]);
    const rows = await b.podTraffic("web-5d8f7c9b4-axk2p");
    // Same pod name in two namespaces: the broker answers for both.
    expect(new Set(rows.items.map((r) => r.podNamespace))).toEqual(new Set(["shop", "staging"]));
    expect(rows.malformed).toBe(0);
  });

  it("counts malformed rows and keeps the rest; nulls are valid", async () => {
    const c = world();
    const good = c.wire.traffic[0]!;
    c.wire.traffic.push({ ...good, uuid: "n1", ip_protocol: null, decision: null } as never);
    c.wire.traffic.push({ ...good, uuid: "bad1", pod_port: 8080 } as never);
    c.wire.traffic.push({ ...good, uuid: "bad2", time_stamp: "yesterday" } as never);
    broker = await startFakeBroker({ ...c.wire });
    const r = await client(broker).podTraffic(good.pod_name as string);
    expect(r.malformed).toBe(2);
    expect(r.items.some((x) => x.uuid === "n1" && x.protocol === "")).toBe(true);
  });

  it("names the route when a body is not a JSON list", async () => {
    broker = await startFakeBroker({ pods: [], services: [], traffic: [] });
    broker.fault("/pod/info", { status: 200, body: "<html>proxy error</html>" });
    await expect(client(broker).podInfo()).rejects.toThrow(/\/pod\/info with a body that is not JSON/);
  });

  it("sends the bearer token and explains a 401", async () => {
    broker = await startFakeBroker({ pods: [], services: [], traffic: [], token: "s3cret" });
    await expect(client(broker).podInfo()).rejects.toThrow(/requires a token .* pass --broker-token/);
    const wrong = await client(broker, { token: "nope" })
      .podInfo()
      .catch((e: BrokerError) => e);
    expect((wrong as BrokerError).kind).toBe("unauthorized");
    expect((wrong as BrokerError).message).not.toContain("nope");
    await expect(client(broker, { token: "s3cret" }).podInfo()).resolves.toMatchObject({ items: [] });
    await expect(client(broker).health()).resolves.toBeUndefined();
  });

  it("retries 500s and resets, then succeeds", async () => {
    broker = await startFakeBroker({ pods: [], services: [], traffic: [] });
    broker.fault("/svc/info", { status: 500, times: 1 });
    broker.fault("/pod/info", { reset: true, times: 2 });
    const b = client(broker);
    await expect(b.svcInfo()).resolves.toMatchObject({ items: [] });
    await expect(b.podInfo()).resolves.toMatchObject({ items: [] });
    expect(broker.log.filter((l) => l === "GET /pod/info")).toHaveLength(3);
  });

  it("gives up after the retries with a clear error", async () => {
    broker = await startFakeBroker({ pods: [], services: [], traffic: [] });
    broker.fault("/svc/info", { status: 502 });
    await expect(client(broker).svcInfo()).rejects.toThrow(/broker answered 502 for \/svc\/info/);
    expect(broker.log.filter((l) => l === "GET /svc/info")).toHaveLength(3);
  });

  it("honours the request timeout", async () => {
    broker = await startFakeBroker({ pods: [], services: [], traffic: [] });
    broker.fault("/pod/info", { delayMs: 1500 });
    const e = await client(broker, { timeoutMs: 100, retries: 0 })
      .podInfo()
      .catch((x: BrokerError) => x);
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).message).toMatch(/did not answer \/pod\/info within 0.1 s \(raise --request-timeout\)/);
  });

  it("says the broker is unhealthy on 503", async () => {
    broker = await startFakeBroker({ pods: [], services: [], traffic: [], healthy: false });
    await expect(client(broker).health()).rejects.toThrow(/unhealthy \(503 for \/health: Database unavailable\)/);
  });

  it("refuses bodies over the cap", async () => {
    const c = world();
    broker = await startFakeBroker({ ...c.wire });
    await expect(client(broker, { maxBodyBytes: 100 }).podInfo()).rejects.toThrow(/over the 100-byte limit/);
  });

  it("names an unreachable broker", async () => {
    const closed = await startFakeBroker({ pods: [], services: [], traffic: [] });
    await closed.close();
    const b = new BrokerClient({ baseUrl: closed.url, timeoutMs: 500, retries: 1, maxBodyBytes: 1000, backoff: async () => {} });
    await expect(b.health()).rejects.toThrow(`cannot reach the broker at ${closed.url} (ECONNREFUSED)`);
  });
});

describe("fetching a run's data", () => {
  it("makes one /pod/info, one /svc/info and one call per pod name, keeping only wanted namespaces", async () => {
    const c = world();
    broker = await startFakeBroker({ ...c.wire });
    const r = await fetchBrokerData(client(broker), ({ pods }) => pods.filter((p) => p.namespace === "shop"), {
      concurrency: 8,
      keepWire: true,
    });
    expect(broker.log.filter((l) => l === "GET /pod/info")).toHaveLength(1);
    expect(broker.log.filter((l) => l === "GET /svc/info")).toHaveLength(1);
    expect(broker.log.filter((l) => l.startsWith("GET /pod/traffic/"))).toHaveLength(2);
    expect(new Set(r.data.rows.map((x) => x.podNamespace))).toEqual(new Set(["shop"]));
    expect(r.wire.traffic).toHaveLength(r.data.rows.length);
    // A plain run keeps no raw records.
    const lean = await fetchBrokerData(client(broker), ({ pods }) => pods, { concurrency: 8 });
    expect(lean.wire.traffic).toEqual([]);
  });

  it("sums per-pod failures instead of stopping", async () => {
    const c = world();
    broker = await startFakeBroker({ ...c.wire });
    broker.fault("/pod/traffic/api-", { status: 500 });
    const r = await fetchBrokerData(client(broker, { retries: 0 }), ({ pods }) => pods, { concurrency: 2 });
    expect(r.failures.map((f) => f.pod.name)).toEqual(["api-5d8f7c9b4-axk2p"]);
    expect(r.data.rows.length).toBeGreaterThan(0);
  });

  it("bounds concurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await Promise.resolve();
      await new Promise<void>((r) => setImmediate(r));
      inFlight--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).toBe(3);
  });

  it("reads ahead: an answer is used only after its slot's next read went out; never more than the limit in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const usedAfter: number[] = [];
    const out = await readLimit(
      [1, 2, 3, 4, 5, 6, 7],
      2,
      async (n) => {
        started.push(n);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((r) => setImmediate(r));
        inFlight--;
        if (n === 4) throw new Error("four");
        return n * 10;
      },
      (answer, n) => {
        usedAfter.push(started.length);
        return answer.ok ? answer.value : `failed ${n}: ${(answer.error as Error).message}`;
      },
    );
    expect(out).toEqual([10, 20, 30, "failed 4: four", 50, 60, 70]);
    expect(peak).toBe(2);
    // The first two answers are used once reads 3 and 4 have started.
    expect(usedAfter.slice(0, 2).every((n) => n >= 3)).toBe(true);
  });

  it("rejects when using an answer throws", async () => {
    const run = readLimit(
      [1, 2, 3],
      2,
      async (n) => n,
      (a) => {
        if (a.ok && a.value === 2) throw new Error("fatal");
        return a;
      },
    );
    await expect(run).rejects.toThrow("fatal");
  });
});
