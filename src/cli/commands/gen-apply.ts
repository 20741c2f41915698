// --apply and --dry-run=server: wiring of src/cluster/apply.ts into the gen run.
import { existsSync } from "node:fs";
import path from "node:path";
import type { KubernetesObject } from "@kubernetes/client-node";
import { stringify } from "yaml";
import {
  ApplyError,
  applyAll,
  describeRef,
  dryRunAll,
  foreignObjects,
  missingPermissions,
  type ObjectRef,
  readLive,
  unservedKinds,
} from "../../cluster/apply.ts";
import type { KubeTarget } from "../../cluster/kubeconfig.ts";
import { rollbackDoc } from "../../cluster/rollback.ts";
import { writeAtomic } from "../../output/files.ts";
import { CliError, EXIT } from "../errors.ts";
import type { Io } from "../io.ts";

export interface ApplyRun {
  objects: KubernetesObject[];
  apply: boolean;
  force: boolean;
  forceConflicts: boolean;
  /** Where the rollback file goes. */
  dir: string;
  target: KubeTarget;
  /** --context as the user gave it, repeated in the undo hint. */
  context?: string | undefined;
  now: Date;
}

const kubectlName = (r: ObjectRef) => `${r.kind.toLowerCase()}.${r.apiVersion.split("/")[0]}/${r.name}`;

/** rollback-<UTC time>.yaml, never over an earlier one. */
async function rollbackPath(dir: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[-:]/g, "");
  for (let n = 0; ; n++) {
    const file = path.join(dir, `rollback-${stamp.replace(/Z$/, n ? `Z-${n}` : "Z")}.yaml`);
    if (!existsSync(file)) return file;
  }
}

function fail(message: string, details: string[], hint?: string): never {
  throw new CliError(details.length ? `${message}:\n  ${details.join("\n  ")}` : message, EXIT.error, hint);
}

export async function runApply(r: ApplyRun, io: Io): Promise<number> {
  const { target } = r;
  const kc = target.kc;
  const what = r.apply ? "apply" : "server-side dry run";
  try {
    const unserved = await unservedKinds(kc, r.objects);
    if (unserved.length) {
      const cilium = unserved.some((k) => k.includes("cilium.io/"));
      fail(
        `nothing was applied: the API server at ${target.server} does not serve ${unserved.join(", ")}${cilium ? "; is Cilium installed?" : ""}`,
        [],
        cilium
          ? "Check with 'kubectl get crd ciliumnetworkpolicies.cilium.io', or generate NetworkPolicies with --type kubernetes."
          : "Install the CRD that defines it, or choose another --type.",
      );
    }
    const missing = await missingPermissions(kc, r.objects, r.apply ? ["get", "create", "patch"] : ["get", "create"]);
    if (missing.length)
      fail(
        `nothing was applied: your user (context ${target.context}) lacks ${missing.length} permission(s)`,
        missing,
        "Ask for them, or run without --apply to only write files.",
      );
    const live = await readLive(kc, r.objects);
    const foreign = foreignObjects(live);
    if (foreign.length && !r.force) {
      fail(
        `nothing was applied: ${foreign.length} object(s) of the same name exist and are not managed by kubectl-guardian`,
        foreign.map(describeRef),
        "Rename or remove them, or pass --force to take them over (the rollback file keeps their current state).",
      );
    }
    const { failures, changes } = await dryRunAll(kc, r.objects, live, { force: r.force, forceConflicts: r.forceConflicts });
    if (failures.length)
      fail(`nothing was applied: the API server rejected ${failures.length} object(s) in the server-side dry run`, failures);
    if (!r.apply) {
      io.stderr.write(`server-side dry run: all ${r.objects.length} object(s) accepted by ${target.server}; nothing was changed\n`);
      return EXIT.ok;
    }
    if (changes === 0) {
      for (const l of live) io.stderr.write(`${kubectlName(l.ref)} unchanged (namespace ${l.ref.namespace})\n`);
      return EXIT.ok;
    }
    const file = await rollbackPath(r.dir, r.now);
    await writeAtomic(file, stringify(rollbackDoc(live, r.now.toISOString(), target.context), { lineWidth: 0 }));
    const results = await applyAll(kc, r.objects, live, { force: r.force, forceConflicts: r.forceConflicts });
    for (const x of results) io.stderr.write(`${kubectlName(x.ref)} ${x.outcome} (namespace ${x.ref.namespace})\n`);
    io.stderr.write(`To undo: kubectl guardian rollback ${file}${r.context ? ` --context ${r.context}` : ""}\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ApplyError)
      throw new CliError(`${what} failed: ${e.message}${e.details.length ? `:\n  ${e.details.join("\n  ")}` : ""}`);
    if (e instanceof CliError) throw e;
    const code = (e as { code?: number }).code;
    if (code) throw new CliError(`${what} failed: the API server answered ${code}: ${(e as Error).message.split("\n")[0]}`);
    throw e;
  }
}
