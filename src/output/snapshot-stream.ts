// A snapshot written as its traffic arrives: the head, then each pod's answer in request order (an
// answer that comes early waits for those before it), then pods, Services and the inventory. Same
// input, same bytes, whatever order the broker answered in; no stage holds all the rows.

import type { AtomicFile } from "./files.ts";

/** Where the bytes go: a file (atomic), or stdout, written the same way. */
export type Sink = AtomicFile;

export class SnapshotStream {
  private next = 0;
  private readonly waiting = new Map<number, unknown[]>();
  private count = 0;
  private first = true;
  private readonly sink: Sink;

  constructor(sink: Sink, head: { apiVersion: string; kind: string }) {
    this.sink = sink;
    const h = JSON.stringify(head);
    // The head object without its closing brace; traffic opens the broker section.
    sink.write(`${h.slice(0, -1)},\n"broker": {\n "traffic": [`);
  }

  /** One answer's records, `index` its place in the request order. */
  answer(index: number, records: unknown[]): void {
    this.waiting.set(index, records);
    for (let r = this.waiting.get(this.next); r !== undefined; r = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      if (r.length === 0) continue;
      let text = "";
      for (const rec of r) {
        text += `${this.first ? "\n" : ",\n"}  ${JSON.stringify(rec)}`;
        this.first = false;
      }
      this.count += r.length;
      this.sink.write(text);
    }
  }

  /** The rest of the document, then the file is complete; returns the traffic records written. */
  async finish(tail: { pods: unknown[]; services: unknown[]; rest: Record<string, unknown> }): Promise<number> {
    if (this.waiting.size > 0) throw new Error(`snapshot: ${this.waiting.size} answer(s) arrived out of reach of the order`);
    const list = (xs: unknown[]) => (xs.length ? `[\n${xs.map((x) => `  ${JSON.stringify(x)}`).join(",\n")}\n ]` : "[]");
    let text = `${this.first ? "" : "\n "}],\n "pods": ${list(tail.pods)},\n "services": ${list(tail.services)}\n}`;
    for (const [k, v] of Object.entries(tail.rest)) text += `,\n${JSON.stringify(k)}: ${JSON.stringify(v, null, 1)}`;
    this.sink.write(`${text}\n}\n`);
    await this.sink.commit();
    return this.count;
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}
