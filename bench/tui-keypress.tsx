// Child of the benchmark: time from a keypress to the next rendered frame, with 2,000 rules in the review.
import { render } from "ink-testing-library";
import { App } from "../src/review/App.tsx";
import { initialState } from "../src/review/state.ts";
import { rules } from "../test/support/review.ts";

const app = render(<App initial={initialState(rules(2000, 200), {})} title="bench" writeVerb="write" color={true} onDone={() => {}} size={{ columns: 160, rows: 50 }} />);
/** Resolves at the next frame; every key below changes the screen, so one always comes (1 s cap). */
const frame = () =>
  new Promise<void>((resolve, reject) => {
    const before = app.frames.length;
    const deadline = performance.now() + 1000;
    const poll = () => {
      if (app.frames.length > before) resolve();
      else if (performance.now() > deadline) reject(new Error("no frame within 1 s"));
      else setImmediate(poll);
    };
    poll();
  });
const keys = ["j", " ", "j", "a", "k", "r", "G", " ", "g", " "];
const times: number[] = [];
for (let i = 0; i < 200; i++) {
  const k = keys[i % keys.length] as string;
  const t = performance.now();
  const next = frame();
  app.stdin.write(k);
  await next;
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] as number;
process.stdout.write(`${JSON.stringify({ median: pct(50), p95: pct(95), max: times[times.length - 1] })}\n`);
app.unmount();
process.exit(0);
