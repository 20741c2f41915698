// Mounts the review on the terminal and resolves with the final state when the user writes or quits.
import { render } from "ink";
import { App } from "./App.tsx";
import type { ReviewState } from "./state.ts";

export function runReview(o: {
  initial: ReviewState;
  title: string;
  writeVerb: string;
  color: boolean;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}): Promise<ReviewState> {
  // The alternate screen, as less and k9s use: the shell's screen comes back intact, summary below it.
  o.stdout.write("\x1b[?1049h");
  return new Promise((resolve) => {
    let final: ReviewState | null = null;
    const app = render(<App initial={o.initial} title={o.title} writeVerb={o.writeVerb} color={o.color} onDone={(s) => (final = s)} />, {
      stdin: o.stdin,
      stdout: o.stdout,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    void app.waitUntilExit().then(() => {
      o.stdout.write("\x1b[?1049l");
      resolve(final as unknown as ReviewState);
    });
  });
}
