// `version`: what kubectl's version command prints, in text or JSON.
import type { Argv, CommandModule } from "yargs";
import type { Io } from "../io.ts";
import { BUILD_DATE, COMMIT, VERSION } from "../version.ts";

const builder = (y: Argv) => y.option("output", { alias: "o", choices: ["text", "json"] as const, default: "text" as const });
type VersionArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const versionCommand = (io: Io): CommandModule<object, VersionArgv> => ({
  command: "version",
  describe: "Print the version, commit and build date",
  builder,
  handler: (args) => {
    const info = { version: VERSION, commit: COMMIT, buildDate: BUILD_DATE };
    io.stdout.write(
      args.output === "json" ? `${JSON.stringify(info)}\n` : `kubectl-guardian ${VERSION} (commit ${COMMIT}, built ${BUILD_DATE})\n`,
    );
  },
});
