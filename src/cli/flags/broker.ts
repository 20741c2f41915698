// How a command reaches the kguardian broker, and its complete step (environment defaults once).
import type { Options } from "yargs";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { type Common, parseDuration } from "./common.ts";

export const BROKER_OPTIONS = {
  "broker-url": { type: "string", describe: "kguardian broker URL; skips the port-forward (env GUARDIAN_BROKER_URL)" },
  "broker-token": { type: "string", describe: "Bearer token for an auth-enabled broker (env BROKER_AUTH_TOKEN)" },
  "broker-namespace": { type: "string", describe: "Namespace of the broker Service (env KUBE_GUARDIAN_NAMESPACE, default kguardian)" },
  "broker-service": { type: "string", describe: "Name of the broker Service (default: found by label)" },
  concurrency: {
    type: "number",
    default: 4,
    describe: "Broker requests in flight at once (the 1.20 broker reads five pods at a time; more wait or are refused)",
  },
  "request-timeout": { type: "string", default: "30s", describe: "Timeout of each broker request" },
} as const satisfies Record<string, Options>;

export interface BrokerFlags {
  brokerUrl?: string | undefined;
  brokerToken?: string | undefined;
  brokerNamespace?: string | undefined;
  brokerService?: string | undefined;
  concurrency: number;
  requestTimeout: string;
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
    brokerUrl: f.brokerUrl ?? io.env.GUARDIAN_BROKER_URL,
    brokerToken: f.brokerToken ?? io.env.BROKER_AUTH_TOKEN,
    brokerNamespace: f.brokerNamespace ?? (io.env.KUBE_GUARDIAN_NAMESPACE?.trim() || "kguardian"),
    brokerService: f.brokerService,
    concurrency: f.concurrency,
    requestTimeout,
    verbose: common.verbose,
  };
}
