// Where the evidence comes from (the live cluster, the bundled demo, a snapshot) and what narrows or
// names it (--since, --hostnames); their complete step. Loading itself is src/cli/load.ts.
import type { Options } from "yargs";
import { UsageError } from "../errors.ts";
import type { ClusterFlags } from "./broker.ts";
import { parseDuration } from "./common.ts";

/** Names for external addresses, which the broker does not record. */
export const HOSTNAMES_OPTIONS = {
  hostnames: {
    type: "string",
    describe:
      'DNS names of external addresses: a JSON list of {ip, names}, or Hubble DNS flows (hubble observe --protocol dns -o json); "-" reads stdin',
  },
} as const satisfies Record<string, Options>;

export const SINCE_OPTIONS = {
  since: {
    type: "string",
    describe:
      "Only connections of this window (e.g. 30m, 2h, 7d): first seen in it, or by a pod running in it (a row holds only its first sighting, so an older connection of a running pod may still be open)",
  },
} as const satisfies Record<string, Options>;

/** Offline sources, for commands that can work without a cluster. */
export const OFFLINE_OPTIONS = {
  demo: { type: "boolean", default: false, describe: "Use the traffic data bundled in the binary" },
  "from-snapshot": { type: "string", describe: 'Use a snapshot file instead of the cluster ("-": stdin)' },
  "from-hubble": {
    type: "string",
    describe:
      'Use Hubble flows instead of the broker: `hubble observe -o json` lines or a flow-export file ("-": stdin); the cluster, when reachable, gives the inventory',
  },
  "include-audit": {
    type: "boolean",
    default: false,
    describe: "With --from-hubble: count AUDIT verdicts (policies in audit mode) as allowed",
  },
} as const satisfies Record<string, Options>;

export type Source =
  | { kind: "demo" }
  | { kind: "snapshot"; path: string }
  | { kind: "hubble"; path: string; includeAudit: boolean; flags: ClusterFlags }
  | { kind: "cluster"; flags: ClusterFlags };

export function completeSource(
  f: { demo?: boolean; fromSnapshot?: string | undefined; fromHubble?: string | undefined; includeAudit?: boolean },
  cluster: ClusterFlags,
  help: string,
): Source {
  const given = [f.demo ? "--demo" : "", f.fromSnapshot ? "--from-snapshot" : "", f.fromHubble ? "--from-hubble" : ""].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(" and ")} cannot be combined`, help);
  if (f.includeAudit && !f.fromHubble)
    throw new UsageError("--include-audit needs --from-hubble (the broker records no audit verdicts)", help);
  if (f.demo) return { kind: "demo" };
  if (f.fromSnapshot) return { kind: "snapshot", path: f.fromSnapshot };
  if (f.fromHubble) return { kind: "hubble", path: f.fromHubble, includeAudit: f.includeAudit === true, flags: cluster };
  return { kind: "cluster", flags: cluster };
}

/** --since as milliseconds before the data was read. */
export function completeSince(since: string | undefined, help: string): number | undefined {
  if (since === undefined) return undefined;
  const d = parseDuration(since);
  if (d === null) throw new UsageError(`invalid --since "${since}": use a duration such as 30m, 2h or 7d`, help);
  return d;
}
