// Entry point of the kubectl-guardian binary.
import { cleanupTempFiles } from "../output/files.ts";
import { run } from "./app.ts";
import { EXIT } from "./errors.ts";
import { processIo } from "./io.ts";

// Ctrl-C: no half-written file stays behind; the port-forward's sockets close with the process.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    cleanupTempFiles();
    process.exit(EXIT.interrupted);
  });
}
process.exitCode = await run(process.argv.slice(2), processIo());
