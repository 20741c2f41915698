// Paged list calls against the API server; a kind the user may not list (or the server does not
// serve) becomes a warning naming the verb and resource, and the run goes on without it.
import type { Warning } from "../model/types.ts";

export class ApiUnreachableError extends Error {}

interface Listing<T> {
  items: T[];
  metadata?: { _continue?: string };
}

const PAGE = 500;

export class Lister {
  readonly warnings: Warning[] = [];
  requests = 0;
  private readonly server: string;

  constructor(server: string) {
    this.server = server;
  }

  /** Every page of a list; null when RBAC forbids it (with a warning naming the verb and resource). */
  async list<T>(
    resource: string,
    consequence: string,
    fn: (p: { limit: number; _continue?: string }) => Promise<Listing<T>>,
    quietIfMissing = false,
  ): Promise<T[] | null> {
    const out: T[] = [];
    let cont: string | undefined;
    do {
      this.requests++;
      let page: Listing<T>;
      try {
        page = await fn({ limit: PAGE, ...(cont ? { _continue: cont } : {}) });
      } catch (e) {
        return this.failed(e, resource, consequence, quietIfMissing);
      }
      out.push(...page.items);
      cont = page.metadata?._continue || undefined;
    } while (cont);
    return out;
  }

  private failed(e: unknown, resource: string, consequence: string, quietIfMissing: boolean): null {
    const code = (e as { code?: number }).code;
    if (code === 403) {
      this.warnings.push({ code: "rbac", message: `cannot list ${resource} in all namespaces (forbidden); ${consequence}` });
      return null;
    }
    if (code === 404 && quietIfMissing) return null;
    if (code === 404) {
      // An older API server without this API version (batch/v1 CronJob before 1.21).
      this.warnings.push({ code: "api-missing", message: `the API server does not serve ${resource}; ${consequence}` });
      return null;
    }
    const server = this.server;
    if (code === 401)
      throw new ApiUnreachableError(`the API server at ${server} rejected the credentials (401); log in again or check --context`);
    if (typeof code === "number") throw new ApiUnreachableError(`listing ${resource} failed: ${code} from the API server at ${server}`);
    const cause = (e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message.split("\n")[0];
    throw new ApiUnreachableError(`cannot reach the API server at ${server} (${cause}); check the context with 'kubectl cluster-info'`);
  }
}
