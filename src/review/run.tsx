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
  return new Promise((resolve) => {
    const app = render(<App initial={o.initial} title={o.title} writeVerb={o.writeVerb} color={o.color} onDone={resolve} />, {
      stdin: o.stdin,
      stdout: o.stdout,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    void app.waitUntilExit();
  });
}
