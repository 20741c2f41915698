// The run step of `rollback FILE`: undo an apply from the file it saved before changing anything.
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { ApplyError } from "../../cluster/apply.ts";
import { ROLLBACK_API, ROLLBACK_KIND, type RollbackDoc, rollback } from "../../cluster/rollback.ts";
import { CliError } from "../errors.ts";
import type { Io } from "../io.ts";
import { kubeTarget } from "../load.ts";

export async function execute(f: { file: string; kubeconfig?: string | undefined; context?: string | undefined }, io: Io): Promise<number> {
  let doc: RollbackDoc;
  try {
    doc = parse(await readFile(f.file, "utf8")) as RollbackDoc;
  } catch (e) {
    throw new CliError(`cannot read rollback file ${f.file}: ${((e as Error).message ?? String(e)).split("\n")[0]}`);
  }
  if (doc?.apiVersion !== ROLLBACK_API || doc.kind !== ROLLBACK_KIND || !Array.isArray(doc.items)) {
    throw new CliError(`${f.file} is not a kubectl-guardian rollback file (${ROLLBACK_API} ${ROLLBACK_KIND})`);
  }
  const target = await kubeTarget(
    { ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), context: f.context ?? doc.metadata.context },
    io,
  );
  try {
    for (const line of await rollback(target.kc, doc)) io.stderr.write(`${line}\n`);
  } catch (e) {
    if (e instanceof ApplyError)
      throw new CliError(`rollback stopped: ${e.message}`, 1, "Fix the cause and run the same command again; it is safe to repeat.");
    throw e;
  }
  return 0;
}
