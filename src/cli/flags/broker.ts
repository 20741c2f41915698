// How a command reaches the kguardian broker, and its complete step (environment defaults once).
import { readFileSync } from "node:fs";
import type { Options } from "yargs";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { type Common, parseDuration } from "./common.ts";

export const BROKER_OPTIONS = {
  "broker-url": {
    type: "string",
    describe: "kguardian broker URL; skips the port-forward (env GUARDIAN_BROKER_URL or KGUARDIAN_BROKER_URL)",
  },
  "broker-token": {
    type: "string",
    describe: "Bearer token with the read scope (env BROKER_AUTH_TOKEN or KGUARDIAN_BROKER_TOKEN)",
  },
  "broker-token-file": { type: "string", describe: "Read the bearer token from this file (a mounted Secret, say)" },
  "broker-namespace": { type: "string", describe: "Namespace of the broker Service (env KUBE_GUARDIAN_NAMESPACE, default kguardian)" },
  "broker-service": { type: "string", describe: "Name of the broker Service (default: found by label)" },
  concurrency: {
    type: "number",
    default: 5,
    describe:
      "Broker requests in flight at once (the 1.20 broker's default read budget runs five pod reads at once; more wait in its queue, and past 5 s are refused)",
  },
  "request-timeout": { type: "string", default: "30s", describe: "Timeout of each broker request" },
} as const satisfies Record<string, Options>;

export interface BrokerFlags {
  brokerUrl?: string | undefined;
  brokerToken?: string | undefined;
  brokerTokenFile?: string | undefined;
  brokerNamespace?: string | undefined;
  brokerService?: string | undefined;
  concurrency: number;
  requestTimeout: string;
}

/** The first value given, trimmed; blank counts as unset (as the broker reads its own tokens). */
const firstSet = (...vs: (string | undefined)[]) => vs.map((v) => v?.trim()).find((v) => v) || undefined;

function readToken(file: string, help: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read --broker-token-file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, help);
  }
}

/** Everything a run needs to read the cluster and its broker. */
export interface ClusterFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /** -n as given; the context's namespace otherwise. */
  namespace?: string | undefined;
  brokerUrl?: string | undefined;
  brokerToken?: string | undefined;
  brokerNamespace: string;
  brokerService?: string | undefined;
  concurrency: number;
  requestTimeout: number;
  verbose: boolean;
  /** Keep the broker's raw records (snapshot). */
  keepWire?: boolean;
}

export function completeBroker(f: BrokerFlags, common: Common, namespace: string | undefined, io: Io, help: string): ClusterFlags {
  const requestTimeout = parseDuration(f.requestTimeout);
  if (requestTimeout === null)
    throw new UsageError(`invalid --request-timeout "${f.requestTimeout}": use a duration such as 30s or 2m`, help);
  if (!Number.isInteger(f.concurrency) || f.concurrency < 1 || f.concurrency > 64)
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, not "${f.concurrency}"`, help);
  return {
    ...common.kube,
    namespace,
    brokerUrl: firstSet(f.brokerUrl, io.env.GUARDIAN_BROKER_URL, io.env.KGUARDIAN_BROKER_URL),
    brokerToken: firstSet(
      f.brokerToken,
      f.brokerTokenFile === undefined ? undefined : readToken(f.brokerTokenFile, help),
      io.env.BROKER_AUTH_TOKEN,
      io.env.KGUARDIAN_BROKER_TOKEN,
    ),
    brokerNamespace: f.brokerNamespace ?? (io.env.KUBE_GUARDIAN_NAMESPACE?.trim() || "kguardian"),
    brokerService: f.brokerService,
    concurrency: f.concurrency,
    requestTimeout,
    verbose: common.verbose,
  };
}
