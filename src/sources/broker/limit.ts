// Bounded concurrency for the per-pod reads.

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export type Settled<A> = { ok: true; value: A } | { ok: false; error: unknown };

/**
 * `read` over `items` with at most `limit` in flight, each answer handed to `use` only once its slot's
 * next read is on the wire: node's http client writes a request on the next tick, so `use` waits one
 * turn of the event loop. The broker's latency then overlaps the work on the answers. Results keep the
 * input order; a throw from `use` rejects the whole.
 */
export async function readLimit<T, A, R>(
  items: T[],
  limit: number,
  read: (item: T, i: number) => Promise<A>,
  use: (answer: Settled<A>, item: T, i: number) => R,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const start = (i: number): Promise<Settled<A>> =>
    read(items[i] as T, i).then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, error }),
    );
  const slot = async () => {
    let i = next++;
    let inflight = start(i);
    while (i < items.length) {
      const answer = await inflight;
      const j = next++;
      if (j < items.length) {
        inflight = start(j);
        await new Promise<void>((r) => setImmediate(r));
      }
      out[i] = use(answer, items[i] as T, i);
      i = j;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, slot));
  return out;
}
