// Versioned snapshot: the broker's raw answers plus the cluster inventory used for a run.
import * as z from "zod/mini";
import type { Inventory, TrafficData } from "../../model/types.ts";
import {
  brokerLine,
  normalisePod,
  normaliseService,
  normaliseTraffic,
  PodDetailWire,
  parseEach,
  SvcDetailWire,
  TrafficRowCheck,
} from "../broker/schema.ts";
import { parseHostnames } from "../hubble/hostnames.ts";

export const SNAPSHOT_API_VERSION = "guardian.kubectl.io/v1alpha1";
export const SNAPSHOT_KIND = "TrafficSnapshot";

const protocol = z.enum(["TCP", "UDP", "SCTP"]);
const labels = z.record(z.string(), z.string());
const port = z.int().check(z.minimum(1), z.maximum(65535));
const containerPort = z.object({ name: z.optional(z.string()), port, protocol });

export const InventorySchema = z.object({
  namespaces: z.array(z.object({ name: z.string(), labels })),
  nodes: z.array(z.object({ name: z.string(), addresses: z.array(z.object({ type: z.string(), address: z.string() })) })),
  workloads: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string(), selector: z.nullable(labels) })),
  pods: z.array(
    z.object({
      name: z.string(),
      namespace: z.string(),
      ips: z.array(z.string()),
      labels,
      nodeName: z.optional(z.string()),
      hostNetwork: z.boolean(),
      owner: z.optional(z.object({ kind: z.string(), name: z.string() })),
      containerPorts: z.array(containerPort),
      ready: z.boolean(),
      createdAt: z.optional(z.string()),
    }),
  ),
  services: z.array(
    z.object({
      name: z.string(),
      namespace: z.string(),
      clusterIPs: z.array(z.string()),
      selector: z.nullable(labels),
      ports: z.array(
        z.object({ name: z.optional(z.string()), port, targetPort: z.union([port, z.string().check(z.minLength(1))]), protocol }),
      ),
      endpoints: z.optional(z.object({ ips: z.array(z.string()), ports: z.array(containerPort) })),
    }),
  ),
  agent: z.optional(z.object({ excludedNamespaces: z.array(z.string()), ignoreDaemonSetTraffic: z.boolean(), source: z.string() })),
}) satisfies z.ZodMiniType<Inventory>;

export const SnapshotSchema = z.object({
  apiVersion: z.literal(SNAPSHOT_API_VERSION),
  kind: z.literal(SNAPSHOT_KIND),
  metadata: z.object({ createdAt: z.string(), context: z.optional(z.string()) }),
  broker: z.object({ pods: z.array(z.unknown()), services: z.array(z.unknown()), traffic: z.array(z.unknown()) }),
  inventory: InventorySchema,
  /** Names external addresses were looked up by; today's broker records none, other sources may. */
  hostnames: z.optional(z.array(z.unknown())),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export interface LoadedSnapshot {
  createdAt: number;
  context?: string;
  data: TrafficData;
  inventory: Inventory;
  malformed: { traffic: number; pods: number; services: number; hostnames: number };
}

export class SnapshotError extends Error {}

/** Parses a snapshot document; throws SnapshotError naming the first problem. */
export function parseSnapshot(doc: unknown, source: string): LoadedSnapshot {
  const r = SnapshotSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "(root)";
    throw new SnapshotError(`${source} is not a ${SNAPSHOT_KIND} ${SNAPSHOT_API_VERSION}: ${where}: ${issue?.message}`);
  }
  const s = r.data;
  const traffic = parseEach(TrafficRowCheck, s.broker.traffic, normaliseTraffic);
  const pods = parseEach(PodDetailWire, s.broker.pods, normalisePod);
  const services = parseEach(SvcDetailWire, s.broker.services, normaliseService);
  const hostnames = parseHostnames(s.hostnames ?? []);
  const createdAt = Date.parse(s.metadata.createdAt);
  if (Number.isNaN(createdAt)) throw new SnapshotError(`${source}: metadata.createdAt is not a timestamp`);
  return {
    createdAt,
    ...(s.metadata.context ? { context: s.metadata.context } : {}),
    data: {
      broker: brokerLine(s.broker.pods, s.broker.traffic),
      pods: pods.items,
      services: services.items,
      rows: traffic.items,
      ...(hostnames.items.length > 0 ? { hostnames: hostnames.items } : {}),
    },
    inventory: s.inventory,
    malformed: { traffic: traffic.malformed, pods: pods.malformed, services: services.malformed, hostnames: hostnames.malformed },
  };
}

/** Keeps only what resolution reads: no pod spec (env, volumes), no Service annotations. */
export function sanitiseWire(wire: { pods: unknown[]; services: unknown[]; traffic: unknown[] }): Snapshot["broker"] {
  const pick = (o: unknown, key: string): unknown => (o && typeof o === "object" ? (o as Record<string, unknown>)[key] : undefined);
  const pods = wire.pods.map((p) => {
    const obj = pick(p, "pod_obj");
    const meta = pick(obj, "metadata");
    const hostNetwork = pick(pick(obj, "spec"), "hostNetwork");
    const owners = pick(meta, "ownerReferences");
    return {
      ...(p as Record<string, unknown>),
      pod_obj: obj
        ? {
            metadata: {
              name: pick(meta, "name"),
              namespace: pick(meta, "namespace"),
              labels: pick(meta, "labels") ?? {},
              ...(Array.isArray(owners) ? { ownerReferences: owners.map((o) => ({ kind: pick(o, "kind"), name: pick(o, "name") })) } : {}),
            },
            ...(typeof hostNetwork === "boolean" ? { spec: { hostNetwork } } : {}),
          }
        : null,
    };
  });
  const services = wire.services.map((s) => {
    const spec = pick(pick(s, "service_spec"), "spec");
    return {
      ...(s as Record<string, unknown>),
      service_spec: spec
        ? { spec: { clusterIP: pick(spec, "clusterIP"), selector: pick(spec, "selector") ?? null, ports: pick(spec, "ports") ?? [] } }
        : null,
    };
  });
  return { pods, services, traffic: wire.traffic };
}
