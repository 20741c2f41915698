// The broker flag group's complete step: ours and the upstream client's environment, a token file,
// tokens trimmed as the broker trims its own.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { completeBroker } from "../../src/cli/flags/broker.ts";
import { completeCommon } from "../../src/cli/flags/common.ts";
import type { Io } from "../../src/cli/io.ts";

const io = (env: Record<string, string>): Io => ({ stdout: process.stdout, stderr: process.stderr, env, stdinIsTTY: false, cwd: "/" });
const flags = { concurrency: 4, requestTimeout: "30s" };
const common = completeCommon({ verbose: false, color: "auto", nonInteractive: true }, io({}));
const broker = (f: Record<string, string | undefined>, env: Record<string, string> = {}) =>
  completeBroker({ ...flags, ...f }, common, undefined, io(env), "help");

describe("broker flags", () => {
  it("honours the upstream client's KGUARDIAN_BROKER_URL and KGUARDIAN_BROKER_TOKEN, ours first", () => {
    expect(broker({}, { KGUARDIAN_BROKER_URL: "http://a:9090", KGUARDIAN_BROKER_TOKEN: "up" })).toMatchObject({
      brokerUrl: "http://a:9090",
      brokerToken: "up",
    });
    expect(
      broker(
        {},
        { GUARDIAN_BROKER_URL: "http://ours", KGUARDIAN_BROKER_URL: "http://a", BROKER_AUTH_TOKEN: "ours", KGUARDIAN_BROKER_TOKEN: "up" },
      ),
    ).toMatchObject({
      brokerUrl: "http://ours",
      brokerToken: "ours",
    });
  });

  it("reads --broker-token-file and trims every token; a blank one counts as unset", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "guardian-token-"));
    const file = path.join(dir, "token");
    await writeFile(file, "  s3cret\n");
    expect(broker({ brokerTokenFile: file }).brokerToken).toBe("s3cret");
    expect(broker({ brokerToken: "  x  " }).brokerToken).toBe("x");
    expect(broker({ brokerToken: "   " }, { KGUARDIAN_BROKER_TOKEN: "fallback" }).brokerToken).toBe("fallback");
    expect(() => broker({ brokerTokenFile: path.join(dir, "missing") })).toThrow(/cannot read --broker-token-file .*missing: ENOENT/);
  });
});
