// Entry point of the kubectl-guardian binary.
import { stopWrites } from "../output/files.ts";
import { EXIT } from "./errors.ts";
import { processIo } from "./io.ts";

// The build precomputes the answers to --help and version (scripts/build.ts): they print without
// loading the command parser, so the plugin starts about as fast as Node itself.
declare const __GUARDIAN_FAST__: Record<string, string> | undefined;

// Ctrl-C: no half-written file stays behind; the port-forward's sockets close with the process.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    void stopWrites().then(() => process.exit(EXIT.interrupted));
  });
}
const argv = process.argv.slice(2);
const fast = typeof __GUARDIAN_FAST__ === "object" ? __GUARDIAN_FAST__[argv.join(" ")] : undefined;
if (fast !== undefined) process.stdout.write(fast);
else {
  const { run } = await import("./app.ts");
  process.exitCode = await run(argv, processIo());
}
