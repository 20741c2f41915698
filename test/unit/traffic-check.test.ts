// The hand-written row check accepts exactly what the PodTrafficWire schema accepts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PodTrafficWire, parseNaiveUtc, TrafficRowCheck } from "../../src/sources/broker/schema.ts";

// Every field the schema names: the schema is the oracle the hand-written check is held to.
const FIELDS = Object.keys(PodTrafficWire.shape);
const value = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string(),
  fc.constantFrom("2026-05-12T10:00:00", "2026-05-12T10:00:00.123456", "2026-05-12 10:00:00", "2026-13-45T99:99:99", "x"),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
);
const valid = {
  uuid: "u",
  pod_name: "a",
  pod_namespace: "ns",
  pod_ip: "10.0.0.1",
  pod_port: "0",
  ip_protocol: "TCP",
  traffic_type: "EGRESS",
  traffic_in_out_ip: "10.0.0.2",
  traffic_in_out_port: "80",
  decision: "ALLOW",
  time_stamp: "2026-05-12T10:00:00",
};

describe("TrafficRowCheck", () => {
  it("agrees with the schema on rows with any field changed, missing or extra", () => {
    const row = fc.record(Object.fromEntries(FIELDS.map((k) => [k, value])), { requiredKeys: [] });
    const mutated = fc.tuple(fc.constantFrom(...FIELDS), value).map(([k, v]) => ({ ...valid, [k]: v }));
    fc.assert(
      fc.property(fc.oneof(row, mutated, fc.constant(valid), value, fc.array(value)), (x) => {
        expect(TrafficRowCheck.safeParse(x).success).toBe(PodTrafficWire.safeParse(x).success);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("parseNaiveUtc", () => {
  it("reads every naive datetime as Date.parse does", () => {
    const two = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => String(n).padStart(2, "0"));
    const ts = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, "0")),
        two(0, 13),
        two(0, 32),
        two(0, 25),
        two(0, 61),
        two(0, 61),
        fc.oneof(fc.constant(""), fc.stringMatching(/^\.\d{1,10}$/), fc.constantFrom(".", "Z", "+01:00", " ")),
      )
      .map(([y, mo, d, h, mi, s, f]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f}`);
    fc.assert(
      fc.property(fc.oneof(ts, fc.string()), (t) => {
        expect(parseNaiveUtc(t)).toBe(Date.parse(`${t}Z`));
      }),
      { numRuns: 20000 },
    );
  });
});
