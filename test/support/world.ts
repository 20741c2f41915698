// Random clusters and flows for the property tests: workloads with replicas across namespaces, Services
// with numeric and named target ports, TCP seen from both ends, UDP from the client only, externals
// (some known by a DNS name, several addresses sharing one), and bare pods without labels (one per
// namespace, beside a labelled workload: otherwise no exact, non-empty selector exists for them).
import fc from "fast-check";
import type { InventoryPod } from "../../src/model/types.ts";
import { Cluster, svcPort, tcp } from "./builders.ts";

export interface World {
  namespaces: number;
  workloads: {
    ns: number;
    replicas: number;
    port: number;
    kind: "Deployment" | "StatefulSet" | "Pod";
    service: "none" | "numeric" | "named";
  }[];
  flows: { from: number; to: number; fromReplica: number; toReplica: number; proto: "TCP" | "UDP"; times: number }[];
  /** named: the address has a DNS name; asked: the data says this draw's pod looked it up. */
  externals: { from: number; host: number; v6: boolean; named: boolean; asked: boolean }[];
}

export const arbWorld: fc.Arbitrary<World> = fc.record({
  namespaces: fc.integer({ min: 1, max: 3 }),
  workloads: fc.array(
    fc.record({
      ns: fc.nat(2),
      replicas: fc.integer({ min: 1, max: 3 }),
      port: fc.constantFrom(80, 443, 5432, 8080, 9000),
      kind: fc.constantFrom("Deployment" as const, "StatefulSet" as const, "Pod" as const),
      service: fc.constantFrom("none" as const, "numeric" as const, "named" as const),
    }),
    { minLength: 2, maxLength: 6 },
  ),
  flows: fc.array(
    fc.record({
      from: fc.nat(),
      to: fc.nat(),
      fromReplica: fc.nat(),
      toReplica: fc.nat(),
      proto: fc.constantFrom("TCP" as const, "UDP" as const),
      times: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 12 },
  ),
  externals: fc.array(
    fc.record({ from: fc.nat(), host: fc.integer({ min: 1, max: 6 }), v6: fc.boolean(), named: fc.boolean(), asked: fc.boolean() }),
    {
      maxLength: 3,
    },
  ),
});

export interface Built {
  c: Cluster;
  pods: InventoryPod[][];
  observed: { from: number; fromPod: InventoryPod; to: number; toPod: InventoryPod; port: number; proto: string }[];
  external: { from: number; fromPod: InventoryPod; ip: string; names?: string[] }[];
}

export function build(w: World, hash = "5d8f7c9b4"): Built {
  const c = new Cluster();
  const pods: InventoryPod[][] = [];
  const bare = new Set<string>();
  w.workloads.forEach((wl, i) => {
    const ns = `ns${wl.ns % w.namespaces}`;
    const labels = { app: `w${i}` };
    const ports = [
      { ...tcp(wl.port, "p"), protocol: "TCP" as const },
      { name: "pu", port: wl.port, protocol: "UDP" as const },
    ];
    const labelledBeside = w.workloads.some((o, j) => j !== i && o.kind !== "Pod" && `ns${o.ns % w.namespaces}` === ns);
    const unlabeled = wl.kind === "Pod" && !bare.has(ns) && labelledBeside;
    if (unlabeled) bare.add(ns);
    const ps = unlabeled
      ? [c.pod(ns, `w${i}`, { owner: null, ports })]
      : wl.kind === "StatefulSet"
        ? c.statefulSet(ns, `w${i}`, labels, { replicas: wl.replicas, ports })
        : c.deployment(ns, `w${i}`, labels, { replicas: wl.replicas, ports, hash });
    pods.push(ps);
    if (wl.service !== "none" && !unlabeled) {
      const target = wl.service === "named" ? "p" : wl.port;
      c.service(ns, `w${i}`, `10.96.${i}.10`, labels, [
        svcPort(10000 + wl.port, target, "tcp"),
        svcPort(10000 + wl.port, wl.service === "named" ? "pu" : wl.port, "udp", "UDP"),
      ]);
    }
  });
  const observed: Built["observed"] = [];
  for (const f of w.flows) {
    const a = f.from % w.workloads.length;
    const b = f.to % w.workloads.length;
    const from = pods[a]?.[f.fromReplica % (pods[a]?.length ?? 1)] as InventoryPod;
    const to = pods[b]?.[f.toReplica % (pods[b]?.length ?? 1)] as InventoryPod;
    if (from === to) continue; // a pod talking to itself is not evidence
    const wl = w.workloads[b] as World["workloads"][number];
    const direct = wl.service === "none" || (to.owner === undefined && Object.keys(to.labels).length === 0);
    const dial = direct ? { ip: to.ips[0] as string, port: wl.port } : { ip: `10.96.${b}.10`, port: 10000 + wl.port };
    for (let t = 0; t < f.times; t++) {
      c.row(from, "EGRESS", dial.ip, dial.port, { proto: f.proto });
      if (f.proto === "TCP") c.row(to, "INGRESS", from.ips[0] as string, wl.port);
    }
    observed.push({ from: a, fromPod: from, to: b, toPod: to, port: wl.port, proto: f.proto });
  }
  const external: Built["external"] = [];
  const ipOf = (e: World["externals"][number]) => (e.v6 ? `2001:db8::${e.host.toString(16)}` : `198.51.100.${e.host}`);
  const nameOf = (ip: string) => `h${Number.parseInt(ip.split(/[.:]/).at(-1) as string, 16) % 4}.example.com`;
  // An address is named when any of its draws says so; by the first such draw's pod alone if that draw
  // says the data knows who asked (then only that workload gets the name).
  const naming = new Map<string, number | null>();
  for (const e of w.externals) if (e.named && !naming.has(ipOf(e))) naming.set(ipOf(e), e.asked ? e.from % w.workloads.length : null);
  for (const [ip, asker] of naming) {
    const pod = asker === null ? undefined : (pods[asker]?.[0] as InventoryPod);
    c.hostnames.push({ ip, names: [nameOf(ip)], ...(pod ? { pod: { namespace: pod.namespace, name: pod.name } } : {}) });
  }
  for (const e of w.externals) {
    const a = e.from % w.workloads.length;
    const from = pods[a]?.[0] as InventoryPod;
    const ip = ipOf(e);
    c.row(from, "EGRESS", ip, 443);
    const asker = naming.get(ip);
    const names = asker === undefined || (asker !== null && asker !== a) ? undefined : [nameOf(ip)];
    external.push({ from: a, fromPod: from, ip, ...(names ? { names } : {}) });
  }
  return { c, pods, observed, external };
}
