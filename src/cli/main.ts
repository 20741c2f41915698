// Entry point of the kubectl-guardian binary.
import { run } from "./app.ts";
import { EXIT } from "./errors.ts";
import { processIo } from "./io.ts";

process.on("SIGINT", () => process.exit(EXIT.interrupted));
process.exitCode = await run(process.argv.slice(2), processIo());
