// kubectl's help layout, shared by the command modules.

/** A comment line, then the command on a line of its own (never wrapped). */
export function examplesText(examples: [string, string][]): string {
  return `Examples:\n${examples.map(([cmd, what]) => `  # ${what}\n  ${cmd}`).join("\n\n")}`;
}
