// --from-hubble: Hubble's flows as the evidence, streamed line by line; the cluster's inventory when it
// answers, else one made from the flows' own endpoints (offline: what is missing is said).
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { InventoryResult } from "../cluster/inventory.ts";
import type { KubeTarget } from "../cluster/kubeconfig.ts";
import type { Warning } from "../model/types.ts";
import { HubbleFlowReader, type HubbleRead, offlineInventory } from "../sources/hubble/flows.ts";
import { HubbleDnsReader } from "../sources/hubble/hostnames.ts";
import { CliError, EXIT } from "./errors.ts";
import type { ClusterFlags } from "./flags/broker.ts";
import type { Io } from "./io.ts";
import { kubeTarget, type Loaded } from "./load.ts";

const HINT = "Give the output of 'hubble observe -o json' (or a Hubble flow-export file).";

async function readFlows(file: string, io: Io, includeAudit: boolean) {
  const flows = new HubbleFlowReader({ includeAudit });
  const dns = new HubbleDnsReader();
  const name = file === "-" ? "Hubble flows on stdin" : `Hubble flows ${file}`;
  const handle =
    file === "-"
      ? null
      : await open(file).catch((e: NodeJS.ErrnoException) => {
          throw new CliError(`cannot read ${name}: ${e.code ?? e.message}`, EXIT.error, "Check the path given to --from-hubble.");
        });
  const input = handle ? handle.createReadStream({ start: 0, autoClose: false }) : (io.stdin as NodeJS.ReadableStream | undefined);
  try {
    if (input)
      for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
        flows.add(line);
        dns.add(line);
      }
  } finally {
    await handle?.close();
  }
  const read = flows.result();
  if (read.flows === 0) throw new CliError(`${name} holds no Hubble flows`, EXIT.error, HINT);
  return { read, hostnames: dns.result(name) };
}

/** What the flows said that is not evidence, in one line. */
function flowNote(read: HubbleRead): Warning | null {
  const s = read.skipped;
  const parts = [
    s.reply ? `${s.reply} replies` : "",
    s.dropped ? `${s.dropped} dropped` : "",
    s.audit ? `${s.audit} AUDIT (count them with --include-audit)` : "",
    s.l7 ? `${s.l7} L7 responses or non-HTTP L7 records` : "",
    s["other-verdict"] ? `${s["other-verdict"]} with verdict ${Object.keys(read.verdicts).sort().join("/")}` : "",
    s["no-direction"] ? `${s["no-direction"]} without a traffic direction` : "",
    s["no-endpoint"] ? `${s["no-endpoint"]} not observed at a pod` : "",
    s["no-ports"] ? `${s["no-ports"]} without TCP/UDP/SCTP ports` : "",
    s.malformed ? `${s.malformed} malformed` : "",
  ].filter(Boolean);
  return parts.length ? { code: "hubble-skipped", message: `Hubble flows not used as evidence: ${parts.join(", ")}` } : null;
}

type Live = { target: KubeTarget; inv: InventoryResult; reason?: undefined } | { target?: undefined; inv?: undefined; reason: string };

/** The inventory of the kubeconfig's cluster, or the reason it has none. */
async function liveInventory(f: ClusterFlags, io: Io): Promise<Live> {
  const explicit = f.kubeconfig !== undefined || f.context !== undefined;
  try {
    const target = await kubeTarget(
      { ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) },
      io,
    );
    const { loadInventory } = await import("../cluster/inventory.ts");
    return { target, inv: await loadInventory(target.kc, target.server) };
  } catch (e) {
    // Asked for a cluster by name: its failure is the run's; else the flows stand alone.
    if (explicit) throw e instanceof CliError ? e : new CliError((e as Error).message);
    return { reason: (e as Error).message.split("\n")[0] ?? "" };
  }
}

export async function loadHubble(source: { path: string; includeAudit: boolean; flags: ClusterFlags }, io: Io): Promise<Loaded> {
  const { read, hostnames } = await readFlows(source.path, io, source.includeAudit);
  const live = await liveInventory(source.flags, io);
  const warnings: Warning[] = [];
  const note = flowNote(read);
  if (note) warnings.push(note);
  if (live.inv) warnings.push(...live.inv.warnings);
  else
    warnings.push({
      code: "hubble-offline",
      message: `no cluster inventory (${live.reason}): selectors are the pods' own labels, and Services, named ports and pods that sent no flow are unknown`,
    });
  const newest = read.rows.reduce((t, r) => Math.max(t, r.time), 0);
  return {
    snapshot: {
      createdAt: newest || Date.now(),
      ...(live.target ? { context: live.target.context } : {}),
      data: { pods: read.pods, services: [], rows: read.rows, ...(hostnames.items.length ? { hostnames: hostnames.items } : {}) },
      inventory: live.inv ? live.inv.inventory : offlineInventory(read),
      malformed: { traffic: read.skipped.malformed ?? 0, pods: 0, services: 0, hostnames: hostnames.malformed },
    },
    defaultNamespace: live.target?.namespace || "default",
    warnings,
    failures: [],
    truncated: [],
    ...(live.target ? { kube: live.target } : {}),
    close: async () => {},
  };
}
