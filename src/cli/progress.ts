// Progress of a long run on a terminal: the phase, pods read of those to read, waits on the broker's
// read budget. One line, rewritten in place and cleared at the end; nothing at all when stderr is not
// a TTY (scripts and CI see only the summary).
import type { Io } from "./io.ts";

export type Phase = "inventory" | "traffic" | "resolve" | "generate" | "validate" | "write";

export interface Progress {
  phase(p: Phase): void;
  pods(done: number, total: number): void;
  /** The broker asked to wait (read budget, statement timeout). */
  busy(waitMs: number): void;
  /** Clears the line before other output. */
  clear(): void;
}

const SILENT: Progress = { phase() {}, pods() {}, busy() {}, clear() {} };
const made = new WeakMap<Io, Progress>();
// A terminal line redrawn more often than this only costs the run time.
const REDRAW_MS = 100;

/** The run's progress line: one per Io, so the loader and the command share it. */
export function progressFor(io: Io, now: () => number = Date.now): Progress {
  if (io.stderr.isTTY !== true) return SILENT;
  const known = made.get(io);
  if (known) return known;
  const s = { phase: "" as Phase | "", done: 0, total: 0, waits: 0, drawn: 0, shown: false };
  const draw = (force = false) => {
    const t = now();
    if (!force && t - s.drawn < REDRAW_MS) return;
    s.drawn = t;
    const pods = s.phase === "traffic" && s.total > 0 ? `: ${s.done}/${s.total} pods read` : "";
    const waits = s.waits > 0 ? `, ${s.waits} wait${s.waits === 1 ? "" : "s"} on the broker's read budget` : "";
    io.stderr.write(`\r\x1b[2K${s.phase}${pods}${waits}`);
    s.shown = true;
  };
  const p: Progress = {
    phase(phase) {
      s.phase = phase;
      draw(true);
    },
    pods(done, total) {
      s.done = done;
      s.total = total;
      draw(done === total);
    },
    busy() {
      s.waits++;
      draw();
    },
    clear() {
      if (s.shown) io.stderr.write("\r\x1b[2K");
      s.shown = false;
    },
  };
  made.set(io, p);
  return p;
}
