// The 1.20 broker's limits, against a fake that enforces them: scoped tokens, the per-pod cap, the read
// budget and its 503s; and the 1.12 broker still read as before.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BROKER_OPTIONS } from "../../src/cli/flags/broker.ts";
import { BrokerClient, BrokerError } from "../../src/sources/broker/client.ts";
import { fetchBrokerData, PER_POD_CAP } from "../../src/sources/broker/fetch.ts";
import { brokerLine } from "../../src/sources/broker/schema.ts";
import { Cluster, T0 } from "../support/builders.ts";
import { type FakeBroker, startFakeBroker } from "../support/fake-broker.ts";
import { runCli } from "../support/io.ts";

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

const client = (b: FakeBroker, o: Partial<ConstructorParameters<typeof BrokerClient>[0]> = {}) =>
  new BrokerClient({ baseUrl: b.url, timeoutMs: 4000, retries: 2, maxBodyBytes: 64 << 20, backoff: async () => {}, ...o });

/** The 1.20 line's pod records (it is told by the fields it serves). */
function as120(c: Cluster): Cluster {
  for (const p of c.wire.pods) Object.assign(p, { pod_ips: [p.pod_ip], host_network: false, started_at: p.time_stamp });
  return c;
}

/** `n` pods of one Deployment, each with one row. */
function pods(n: number) {
  const c = new Cluster();
  const ps = c.deployment("shop", "web", { app: "web" }, { replicas: n });
  for (const p of ps) c.row(p, "EGRESS", "1.1.1.1", 443);
  return { c, ps };
}

describe("the 1.20 broker's limits", () => {
  it("a pod whose answer reaches the 20,000-row cap is reported as truncated", async () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    for (let i = 0; i < PER_POD_CAP + 5; i++) c.row(web!, "EGRESS", `198.51.${Math.floor(i / 250)}.${i % 250}`, 443, { at: T0 + i });
    broker = await startFakeBroker({ ...as120(c).wire, version: "1.20" });
    const r = await fetchBrokerData(client(broker), ({ pods }) => pods, { concurrency: 4 });
    expect(r.data.rows).toHaveLength(PER_POD_CAP);
    expect(r.truncated).toEqual([web!.name]);
  });

  it("the default concurrency fits the default read budget: a broker that refuses at once refuses none", async () => {
    const { c } = pods(12);
    // waitMs 0: BROKER_READ_ACQUIRE_WAIT_MS=0, fail fast; each read holds its charge 20 ms.
    broker = await startFakeBroker({ ...c.wire, version: "1.20", budget: { waitMs: 0, holdMs: 20 } });
    const r = await fetchBrokerData(client(broker), ({ pods }) => pods, { concurrency: BROKER_OPTIONS.concurrency.default });
    expect(broker.shed).toEqual([]);
    expect(r.busyWaits).toBe(0);
    expect(r.data.rows).toHaveLength(12);
  });

  it("six reads at once: the sixth waits for the budget, gets 503 Retry-After when the wait runs out, and is retried", async () => {
    const { c } = pods(6);
    broker = await startFakeBroker({ ...c.wire, version: "1.20", budget: { waitMs: 50, holdMs: 150 } });
    const waits: number[] = [];
    const b = client(broker, { onBusy: (_r, ms) => waits.push(ms) });
    const r = await fetchBrokerData(b, ({ pods }) => pods, { concurrency: 6 });
    expect(r.failures).toEqual([]);
    expect(r.data.rows).toHaveLength(6);
    expect(r.busyWaits).toBeGreaterThan(0);
    // Retry-After: 1 is honoured.
    expect(waits.every((w) => w === 1000)).toBe(true);
  });

  it("the default concurrency stays within the budget: no read is refused", async () => {
    const { c } = pods(12);
    broker = await startFakeBroker({ ...c.wire, version: "1.20", budget: { waitMs: 50, holdMs: 100 } });
    const r = await fetchBrokerData(client(broker), ({ pods }) => pods, { concurrency: 4 });
    expect(r.busyWaits).toBe(0);
    expect(r.data.rows).toHaveLength(12);
  });

  it("a broker still busy past the request timeout fails that pod's read, with why", async () => {
    const { c } = pods(1);
    broker = await startFakeBroker({ ...c.wire, version: "1.20" });
    broker.fault("/pod/traffic/", { status: 503, body: "database busy: canceling statement due to statement timeout; retry after 5 s" });
    const r = await fetchBrokerData(client(broker, { timeoutMs: 1000 }), ({ pods }) => pods, { concurrency: 4 });
    expect(r.failures.map((f) => f.error.kind)).toEqual(["busy"]);
    expect(r.failures[0]?.error.message).toContain("stayed busy");
  });

  it("a catalog token is refused with the scope it lacks; read and admin tokens read", async () => {
    const { c } = pods(1);
    broker = await startFakeBroker({ ...c.wire, version: "1.20", tokens: { cat: ["catalog"], rd: ["read"], adm: ["admin"] } });
    const err = await client(broker, { token: "cat" })
      .podInfo()
      .catch((e) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect((err as BrokerError).kind).toBe("forbidden");
    expect((err as BrokerError).message).toContain("'read' scope");
    for (const token of ["rd", "adm"]) expect((await client(broker, { token }).podInfo()).items).toHaveLength(1);
    expect(
      await client(broker, { token: "nope" })
        .podInfo()
        .catch((e) => (e as BrokerError).kind),
    ).toBe("unauthorized");
  });

  it("the broker line is told by the fields it serves", () => {
    const c = pods(1).c;
    expect(brokerLine(c.wire.pods, c.wire.traffic)).toBe("1.12");
    expect(brokerLine(as120(c).wire.pods)).toBe("1.20");
    expect(brokerLine([], [{ ...c.wire.traffic[0], peer_kind: null }])).toBe("1.20");
  });

  it("a 1.12 broker serves every row and has no budget", async () => {
    const { c } = pods(6);
    broker = await startFakeBroker({ ...c.wire, budget: { waitMs: 1, holdMs: 50 } });
    const r = await fetchBrokerData(client(broker), ({ pods }) => pods, { concurrency: 6 });
    expect([r.busyWaits, r.data.rows.length, r.truncated.length]).toEqual([0, 6, 0]);
  });
});

describe("never apply incomplete evidence", () => {
  it("--dry-run=server and --apply change nothing when a pod's answer was cut, and name --force", async () => {
    const c = new Cluster();
    const [web] = c.deployment("shop", "web", { app: "web" });
    for (let i = 0; i < PER_POD_CAP; i++) c.row(web!, "EGRESS", "1.1.1.1", 443, { at: T0 + i });
    as120(c);
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-cut-"));
    const snap = path.join(dir, "snap.json");
    await writeFile(snap, JSON.stringify(c.snapshot()));
    for (const flag of ["--dry-run=server", "--apply"]) {
      const r = await runCli(
        ["gen", "netpol", "--all", "-n", "shop", "--from-snapshot", snap, "--output-dir", path.join(dir, "out"), flag],
        {
          env: { HOME: dir },
        },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^error: nothing was (applied|sent to the API server): the evidence is incomplete \(1 pod\(s\) cut at the broker's per-pod cap\)/m,
      );
      expect(r.stderr).toContain("pass --force to go ahead anyway");
      expect(r.stderr).toContain("evidence incomplete: the broker served only the newest 20,000 rows of pod shop/");
    }
  });
});
