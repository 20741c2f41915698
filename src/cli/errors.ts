// The few error kinds the CLI reports; one handler in app.ts prints them.

export const EXIT = { ok: 0, error: 1, usage: 2, changes: 3, wouldBreak: 4, interrupted: 130 } as const;

export class CliError extends Error {
  readonly exitCode: number;
  /** A second line telling the user what to do. */
  readonly hint: string | undefined;
  constructor(message: string, exitCode: number = EXIT.error, hint?: string) {
    super(message);
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

export class UsageError extends CliError {
  constructor(message: string, command = "kubectl guardian") {
    super(message, EXIT.usage, `See '${command} --help' for usage.`);
  }
}
